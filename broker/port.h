/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Carrying out a plan: one port sequence and one undo record. */
#ifndef TB_PORT_H
#define TB_PORT_H

#include <stdint.h>

#include "broker.h"

/*
 * What one request has done so far, so that a failure undoes exactly
 * that: the fd closed, the VM's pidfd closed, the interface deleted (made
 * here) or put back as it was (adopted), then @extra (a routed tap's
 * shared routes and proxy entries).
 */
struct tb_undo {
	int fd; /* the tap or macvtap queue, or -1 */
	int pidfd; /* macvtap: the VM's watch, or -1 */
	int ifindex; /* the interface, or 0 */
	int made; /* 1: made here (deleted); 0: adopted (restored) */
	struct tb_link_info was; /* adopted: as it was */
	void (*extra)(struct tb_broker *b, void *arg);
	void *extra_arg;
};

/* The port's settings: what tb_port_setup() applies, in its order. */
struct tb_port {
	int master; /* bridge ifindex, or 0 (macvtap, routed) */
	unsigned int mtu;
	const uint8_t *mac; /* NULL: the interface keeps its own */
	const char *alias; /* the lease's record (lease.c) */
	const struct tb_port_vlans *pv; /* NULL: the bridge's default */
};

void tb_undo_init(struct tb_undo *u);
void tb_undo_rollback(struct tb_broker *b, struct tb_undo *u);
int tb_port_setup(struct tb_broker *b, const struct tb_undo *u,
		  const struct tb_port *port, const struct tb_plan *plan,
		  struct tb_reply *rep);
int tb_guard_available(void);
int tb_port_guard(struct tb_broker *b, int ifindex, const struct tb_plan *plan,
		  struct tb_reply *rep);
void tb_port_unguard(struct tb_broker *b, const char *ifname, int ifindex,
		     int bridged);
int tb_port_guards_rescan(struct tb_broker *b);
void tb_port_guards_changed(struct tb_broker *b);
int tb_lease_claim(struct tb_lease *l, const struct tb_plan *plan,
		   struct tb_reply *rep);
int tb_lease_same_vm(const struct tb_lease *l, const struct tb_lease *n);
int tb_host_has(struct tb_broker *b, const struct tb_prefix *p,
		struct tb_prefix *found);
int tb_addrs_free(struct tb_broker *b, const struct tb_prefix *a, size_t n,
		  const struct tb_lease *self, struct tb_reply *rep);
int tb_port_finish(struct tb_broker *b, struct tb_undo *u, struct tb_lease *l,
		   const struct tb_plan *plan, int err, struct tb_reply *rep);
int tb_port_record(struct tb_broker *b, struct tb_undo *u,
		   const struct tb_lease *l, struct tb_reply *rep);

#endif
