/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read-only rtnetlink dumps of links, addresses, routes and proxy entries. */
#ifndef TB_NETLINK_DUMP_H
#define TB_NETLINK_DUMP_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

#define TB_DUMP_ALIAS_MAX 256
#define TB_DUMP_NH_MAX 16 /* nexthops kept of one multipath route */

/* One link, as RTM_GETLINK reports it. */
struct tb_dump_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16]; /* IFLA_INFO_KIND: "bridge", "tun", "macvtap", or "" */
	char alias[TB_DUMP_ALIAS_MAX];
	unsigned int flags; /* IFF_* */
	unsigned int mtu;
	int master; /* ifindex, 0: none */
	int lower; /* IFLA_LINK (a macvtap's lower device), 0: none */
	int lower_elsewhere; /* IFLA_LINK_NETNSID: the lower is in another ns */
	int carrier;
	uint32_t group;
	uint8_t mac[6];
	uint32_t macvlan_mode; /* MACVLAN_MODE_* (one bit) */
	uint32_t stp_state; /* bridge */
	uint32_t forward_delay; /* bridge, centiseconds */
	unsigned int naddrs; /* addresses wider than link scope on it */
};

/* One route of any table (cached clones left out). */
struct tb_dump_route {
	struct tb_prefix dst;
	uint32_t table;
	uint32_t metric;
	uint8_t type; /* RTN_* */
	uint8_t protocol;
	int has_gw;
	uint8_t gw[16];
	int noifs;
	int oifs[TB_DUMP_NH_MAX]; /* one, or a multipath route's devices */
	int multipath;
};

/* One proxy ARP/NDP entry (NTF_PROXY). */
struct tb_dump_proxy {
	struct tb_prefix addr; /* a host prefix */
	int ifindex;
};

struct tb_dump {
	struct tb_dump_link *links;
	size_t nlinks;
	struct tb_dump_route *routes;
	size_t nroutes;
	struct tb_dump_proxy *proxies;
	size_t nproxies;
};

/**
 * tb_dump_read() - dump the namespace's links, addresses, routes, proxies
 *
 * Four dumps on one NETLINK_ROUTE socket; nothing is changed.
 * Return: 0, or -errno (the dump could not be made).
 */
int tb_dump_read(struct tb_dump *d);
void tb_dump_free(struct tb_dump *d);

const struct tb_dump_link *tb_dump_link_by_index(const struct tb_dump *d,
						 int ifindex);
const struct tb_dump_link *tb_dump_link_by_name(const struct tb_dump *d,
						const char *name);

#endif
