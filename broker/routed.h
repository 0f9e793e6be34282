/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Routed taps: host routes, no bridge (routed.c). */
#ifndef TB_ROUTED_H
#define TB_ROUTED_H

#include <sys/types.h>
#include "policy.h"
#include "proto.h"

struct tb_broker;
struct tb_lease;

/* routed.c: a tap with host routes and no bridge. */
int tb_do_routed(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		 const struct tb_request *req, const struct tb_plan *plan,
		 struct tb_reply *rep);
void tb_routed_release(struct tb_broker *b, const struct tb_lease *l);
int tb_routed_rescan(struct tb_broker *b);

#endif
