/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the broker asks of the kernel over rtnetlink (netlink.c). */
#ifndef TB_NETLINK_H
#define TB_NETLINK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct tb_nl;
struct tb_link_info;

/* netlink.c: every change to the kernel's links goes through here. */
struct tb_bridge_info {
	int ifindex;
	unsigned int mtu;
};

typedef void (*tb_nl_link_fn)(void *arg, int ifindex, int gone, int carrier,
			      uint32_t tun_owner);
typedef void (*tb_nl_scan_fn)(void *arg, int ifindex, const char *ifname,
			      const char *alias, unsigned int mtu, int carrier);

int tb_nl_open(struct tb_nl **out);
void tb_nl_close(struct tb_nl *nl);
int tb_nl_bridge_get(struct tb_nl *nl, const char *name,
		     struct tb_bridge_info *br, char *why, size_t whylen);
int tb_nl_bridge_cached(struct tb_nl *nl, const char *name,
			struct tb_bridge_info *br, char *why, size_t whylen);
int tb_nl_link_config(struct tb_nl *nl, int ifindex, int master,
		      unsigned int mtu, const uint8_t mac[6],
		      const char *alias);
int tb_nl_events_open(struct tb_nl *nl, tb_nl_link_fn changed, void *arg);
int tb_nl_events_read(struct tb_nl *nl);
int tb_nl_link_carrier(struct tb_nl *nl, int ifindex);
int tb_nl_link_group(struct tb_nl *nl, int ifindex, uint32_t group);
int tb_nl_group_del(struct tb_nl *nl, uint32_t group);
int tb_nl_scan(struct tb_nl *nl, tb_nl_scan_fn fn, void *arg);
int tb_nl_link_del(struct tb_nl *nl, int ifindex);
int tb_nl_link_get(struct tb_nl *nl, const char *name, int *ifindex,
		   unsigned int *mtu);
int tb_nl_link_name(struct tb_nl *nl, int ifindex, char name[IFNAMSIZ]);
int tb_nl_macvtap_add(struct tb_nl *nl, const char *name, int ifindex,
		      int lower, int mode, unsigned int mtu,
		      const uint8_t mac[6]);
int tb_nl_link_up(struct tb_nl *nl, int ifindex, const char *alias);
int tb_nl_link_info(struct tb_nl *nl, const char *name,
		    struct tb_link_info *info);
int tb_nl_link_restore(struct tb_nl *nl, const struct tb_link_info *was);
struct tb_vlan_set;
struct tb_prefix;
int tb_nl_route_add(struct tb_nl *nl, int ifindex, const struct tb_prefix *dst,
		    uint32_t table, uint32_t metric);
int tb_nl_addr_add(struct tb_nl *nl, int ifindex, const struct tb_prefix *p);
typedef void (*tb_nl_addr_fn)(void *arg, int ifindex,
			      const struct tb_prefix *addr);
int tb_nl_addr_scan(struct tb_nl *nl, int family, tb_nl_addr_fn fn, void *arg);
int tb_nl_route_multipath(struct tb_nl *nl, const int *ifindex, size_t n,
			  const struct tb_prefix *dst, uint32_t table,
			  uint32_t metric);
int tb_nl_proxy(struct tb_nl *nl, int add, int ifindex,
		const struct tb_prefix *p);
typedef void (*tb_nl_route_fn)(void *arg, int ifindex,
			       const struct tb_prefix *dst, uint32_t table,
			       uint32_t metric);
int tb_nl_route_scan(struct tb_nl *nl, tb_nl_route_fn fn, void *arg);
#define TB_NH_GROUP_MAX 16 /* members of one nexthop group: NICs of a VM */
int tb_nl_nexthop_dev(struct tb_nl *nl, uint32_t id, int ifindex);
int tb_nl_nexthop_group(struct tb_nl *nl, uint32_t id, const uint32_t *members,
			size_t n, int replace);
int tb_nl_nexthop_del(struct tb_nl *nl, uint32_t id);
int tb_nl_route_nhid(struct tb_nl *nl, const struct tb_prefix *dst,
		     uint32_t table, uint32_t metric, uint32_t nhid);
int tb_nl_route_nhid_get(struct tb_nl *nl, const struct tb_prefix *dst,
			 uint32_t table, uint32_t metric, uint32_t *nhid);
int tb_nl_bridge_vlans(struct tb_nl *nl, int ifindex, int *filtering,
		       unsigned int *default_pvid);
int tb_nl_port_vlans(struct tb_nl *nl, int ifindex, unsigned int access,
		     const struct tb_vlan_set *tagged, unsigned int drop);

/* A guarded bridge port's flags and static FDB entries (guard.c). */
int tb_nl_port_lock(struct tb_nl *nl, int ifindex, int locked);
int tb_nl_port_lock_get(struct tb_nl *nl, int ifindex, int *locked,
			int *learning);
enum { TB_FDB_DEL, TB_FDB_ADD, TB_FDB_TAKE };
int tb_nl_fdb_static(struct tb_nl *nl, int op, int ifindex,
		     const uint8_t mac[6], unsigned int vid);
int tb_nl_fdb_get(struct tb_nl *nl, int ifindex, const uint8_t mac[6],
		  unsigned int vid, int *port, int *held);

#endif
