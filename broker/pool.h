/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The warm pool: taps made ahead, in their bridge, handed out on request. */
#ifndef TB_POOL_H
#define TB_POOL_H

#include <net/if.h>
#include <sys/types.h>

struct tb_broker;
struct tb_request;
struct tb_bridge_info;

/* pool.c */
struct tb_port_vlans;

int tb_pool_take(struct tb_broker *b, const struct tb_request *req,
		 const struct tb_bridge_info *br, unsigned int mtu,
		 const struct tb_port_vlans *pv, const char *alias,
		 char ifname[IFNAMSIZ], int *ifindex);
int tb_pool_due(struct tb_broker *b);
void tb_pool_idle(struct tb_broker *b);
int tb_pool_alias(const char *alias);
int tb_pool_named(const char *ifname);
int tb_pool_line(size_t i, char *buf, size_t len);
void tb_pool_stop(struct tb_broker *b);

/* tun.c, for the pool (declared here: broker.h takes no new ones) */
int tb_tun_pool_create(char ifname[IFNAMSIZ], int *ifindex);
int tb_tun_index(const char *name);

#endif
