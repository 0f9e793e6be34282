/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The anti-spoofing guard of one port: what guard.c offers the executor. */
#ifndef TB_GUARD_H
#define TB_GUARD_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink.h"

struct tb_nl;
struct tb_prefix;
struct tb_vlan_set;
struct tb_guard_ctx;

#define TB_GUARD_ADDRS 64 /* addresses of one guarded port, at most */
#define TB_GUARD_TABLE "tapbroker" /* the nft table (netdev) of all guards */

/**
 * struct tb_guard - what a guarded port may send
 * @ifindex:	the tap (or macvtap)
 * @ifname:	its name; letters, digits, '.', '_' and '-' only
 * @mac:	the guest NIC's MAC: unicast, not zero
 * @addrs:	the guest's IPv4/IPv6 addresses or prefixes (may be none)
 * @router:	1: the guest may answer DHCP and send router advertisements
 * @bridged:	1: a bridge port (locked, learning off, static FDB entry);
 *		0: a routed tap or a macvtap (nftables only)
 * @macvtap:	1: a macvtap (the chain hooks its egress, not its ingress)
 * @pvid:	bridged, VLAN-filtering bridge: the port's untagged VLAN
 *		(0: none, or a bridge that does not filter VLANs)
 * @tagged:	bridged, VLAN-filtering bridge: the port's tagged VLANs, or
 *		NULL.  The static FDB entry is made once per VLAN, since a
 *		locked port looks its source MAC up in the frame's VLAN.
 */
struct tb_guard {
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	const struct tb_prefix *addrs;
	size_t naddrs;
	int router;
	int bridged;
	int macvtap;
	unsigned int pvid;
	const struct tb_vlan_set *tagged;
};

/* What tb_guard_verify() read back from the kernel. */
struct tb_guard_found {
	uint8_t mac[6];
	int router;
	unsigned int rules;
};

int tb_guard_open(struct tb_guard_ctx **out);
int tb_guard_opened(void);
int tb_guard_exists(struct tb_guard_ctx *gc, const char *ifname);
void tb_guard_close(struct tb_guard_ctx *gc);
int tb_guard_check(const struct tb_guard *g, char *why, size_t len);
int tb_guard_render(const struct tb_guard *g, char *buf, size_t len);
int tb_guard_install(struct tb_guard_ctx *gc, struct tb_nl *nl,
		     const struct tb_guard *g, char *why, size_t len);
int tb_guard_verify(struct tb_guard_ctx *gc, struct tb_nl *nl,
		    const struct tb_guard *g, struct tb_guard_found *found,
		    char *why, size_t len);
int tb_guard_remove(struct tb_guard_ctx *gc, struct tb_nl *nl,
		    const struct tb_guard *g);
int tb_guard_list(struct tb_guard_ctx *gc,
		  void (*fn)(void *arg, const char *ifname), void *arg);
int tb_guard_watch_open(struct tb_guard_ctx *gc);
int tb_guard_watch_read(struct tb_guard_ctx *gc,
			void (*fn)(void *arg, const char *ifname), void *arg);

#endif
