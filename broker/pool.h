/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The warm pool: taps made ahead, in their bridge, handed out on request. */
#ifndef TB_POOL_H
#define TB_POOL_H

#include <net/if.h>
#include <stddef.h>

struct tb_broker;
struct tb_request;
struct tb_plan;
struct tb_port;

int tb_pool_take(struct tb_broker *b, const struct tb_request *req,
		 const struct tb_plan *plan, const struct tb_port *port,
		 char ifname[IFNAMSIZ], int *ifindex);
int tb_pool_due(struct tb_broker *b);
void tb_pool_idle(struct tb_broker *b);
int tb_pool_alias(const char *alias);
int tb_pool_named(const char *ifname);
void tb_pool_gone(int ifindex);
int tb_pool_line(size_t i, char *buf, size_t len);
void tb_pool_stop(struct tb_broker *b);

#endif
