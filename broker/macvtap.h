/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Macvtaps on a lower device (macvtap.c). */
#ifndef TB_MACVTAP_H
#define TB_MACVTAP_H

#include <sys/types.h>
#include "policy.h"
#include "proto.h"

struct tb_broker;

/* macvtap.c: a macvtap on a lower device, watched by its VM's pidfd. */
int tb_do_macvtap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		  const struct tb_request *req, const struct tb_plan *plan,
		  struct tb_reply *rep);
int tb_macvtap_open_ours(const char *ifname, int ifindex, unsigned int iff);

#endif
