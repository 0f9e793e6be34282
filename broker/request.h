/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One tap request, from plan to handed fd (request.c). */
#ifndef TB_REQUEST_H
#define TB_REQUEST_H

#include <stdint.h>
#include <sys/types.h>
#include "policy.h"
#include "proto.h"
#include "vlan.h"

struct tb_broker;

/* request.c: one request, decided and carried out. */
int tb_do_tap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
	      const struct tb_request *req, struct tb_reply *rep, int *fd);
int tb_refuse(struct tb_reply *rep, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tb_tap_mac(uint8_t mac[6]);
int tb_alias_full(struct tb_reply *rep);

/* What a port's VLANs are to be; any == 0: leave the bridge's default. */
struct tb_port_vlans {
	int any;
	unsigned int access, drop;
	struct tb_vlan_set tagged;
};

#endif
