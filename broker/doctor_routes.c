// SPDX-License-Identifier: GPL-2.0-or-later
/* doctor's routing checks: forwarding, rp_filter, routes, proxy entries. */
#include "doctor.h"

#include <grp.h>
#include <linux/rtnetlink.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TB_DOC_GROUPS 64

/* Link-local and multicast IPv6, and the local table: not for the checks. */
int tb_doc_route_ignored(const struct tb_dump_route *r)
{
	const uint8_t *a = r->dst.addr;

	return r->table == RT_TABLE_LOCAL || r->type != RTN_UNICAST ||
	       (r->dst.family == AF_INET6 &&
		((a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff));
}

static int tb_doc_same_dst(const struct tb_dump_route *a,
			   const struct tb_dump_route *b)
{
	return a->table == b->table && a->dst.family == b->dst.family &&
	       a->dst.len == b->dst.len &&
	       !memcmp(a->dst.addr, b->dst.addr, 16);
}

static int tb_doc_via(const struct tb_dump_route *r, int ifindex)
{
	for (int i = 0; i < r->noifs; i++)
		if (r->oifs[i] == ifindex)
			return 1;
	return 0;
}

/* The routed lease on link @ifindex; 0 if it has one. */
static int tb_doc_routed_lease(const struct tb_doctor *d, int ifindex,
			       struct tb_doc_lease *lease)
{
	const struct tb_dump_link *l = tb_dump_link_by_index(&d->dump, ifindex);

	return l && !tb_doc_lease(l->alias, lease) &&
			       lease->kind == TB_DOC_ROUTED
		       ? 0
		       : -1;
}

static const char *tb_doc_ifname(const struct tb_doctor *d, int ifindex)
{
	const struct tb_dump_link *l = tb_dump_link_by_index(&d->dump, ifindex);

	return l ? l->name : "?";
}

/* forwarding-off: routed grants need the kernel to forward. */
static void tb_doc_forwarding(struct tb_doctor *d)
{
	int v4 = 1, v6 = 1;

	if (d->grants.routed4 && !tb_doc_sysctl("net/ipv4/ip_forward", &v4) &&
	    !v4)
		tb_doc_add(
			d, TB_SEV_ERROR, "forwarding-off",
			"net.ipv4.ip_forward",
			"sysctl -w net.ipv4.ip_forward=1",
			"the policy grants routed IPv4 addresses but IPv4 forwarding is off: routed VMs reach nothing beyond this host");
	if (d->grants.routed6 &&
	    !tb_doc_sysctl("net/ipv6/conf/all/forwarding", &v6) && !v6)
		tb_doc_add(
			d, TB_SEV_ERROR, "forwarding-off",
			"net.ipv6.conf.all.forwarding",
			"sysctl -w net.ipv6.conf.all.forwarding=1",
			"the policy grants routed IPv6 addresses but IPv6 forwarding is off: routed VMs reach nothing beyond this host");
}

/* rp-filter: strict reverse-path filtering on a routed lease's tap. */
static void tb_doc_rp_filter(struct tb_doctor *d, const struct tb_dump_link *l)
{
	char fix[TB_DOC_TEXT_MAX];
	int all = 0, dev = 0;

	tb_doc_if_sysctl("ipv4", "all", "rp_filter", &all);
	if (tb_doc_if_sysctl("ipv4", l->name, "rp_filter", &dev) ||
	    (all > dev ? all : dev) != 1)
		return;
	snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.%s.rp_filter=2",
		 l->name);
	tb_doc_add(
		d, TB_SEV_WARNING, "rp-filter", l->name, fix,
		"strict rp_filter on routed tap %s (all=%d, %s=%d): the VM's packets are dropped whenever the best route back to their source is not through %s (a backup NIC, routes outside table main)",
		l->name, all, l->name, dev, l->name);
}

/* "ip route del DST dev DEV table T metric M" for route @r. */
static void tb_doc_route_del(const struct tb_doctor *d,
			     const struct tb_dump_route *r, char *buf,
			     size_t len)
{
	char dst[TB_PREFIX_STR_MAX];

	tb_prefix_format(&r->dst, dst, sizeof(dst));
	if (r->noifs == 1 && !r->multipath)
		snprintf(buf, len, "ip route del %s dev %s table %u metric %u",
			 dst, tb_doc_ifname(d, r->oifs[0]), r->table,
			 r->metric);
	else
		snprintf(buf, len, "ip route del %s table %u metric %u", dst,
			 r->table, r->metric);
}

/* route-metric-tie: two single-device routes, one destination, one metric. */
static void tb_doc_tie(struct tb_doctor *d, const struct tb_dump_route *a,
		       const struct tb_dump_route *b)
{
	char dst[TB_PREFIX_STR_MAX], del[160], fix[TB_DOC_TEXT_MAX];
	char gw[64] = "";

	if (!tb_doc_same_dst(a, b) || a->metric != b->metric || a->multipath ||
	    b->multipath || a->noifs != 1 || b->noifs != 1 ||
	    a->oifs[0] == b->oifs[0])
		return;
	tb_prefix_format(&a->dst, dst, sizeof(dst));
	if (b->has_gw) {
		struct tb_prefix g = {.family = b->dst.family,
				      .len = b->dst.family == AF_INET ? 32
								      : 128};

		memcpy(g.addr, b->gw, 16);
		snprintf(gw, sizeof(gw), " via ");
		tb_prefix_format(&g, gw + 5, sizeof(gw) - 5);
		gw[strcspn(gw, "/")] = '\0';
	}
	tb_doc_route_del(d, b, del, sizeof(del));
	snprintf(fix, sizeof(fix),
		 "%s && ip route add %s%s dev %s table %u metric %u", del, dst,
		 gw, tb_doc_ifname(d, b->oifs[0]), b->table, b->metric + 1);
	tb_doc_add(
		d, TB_SEV_WARNING, "route-metric-tie", dst, fix,
		"%s in table %u has two routes at metric %u, through %s and %s, and is not one multipath route: which one carries the traffic is an accident",
		dst, a->table, a->metric, tb_doc_ifname(d, a->oifs[0]),
		tb_doc_ifname(d, b->oifs[0]));
}

/* Is @s through a routed tap of the VM of @lease (a backup NIC)? */
static int tb_doc_same_vm(const struct tb_doctor *d,
			  const struct tb_dump_route *s,
			  const struct tb_doc_lease *lease)
{
	struct tb_doc_lease other;

	for (int i = 0; i < s->noifs; i++)
		if (!tb_doc_routed_lease(d, s->oifs[i], &other) &&
		    other.vm == lease->vm && other.uid == lease->uid)
			return 1;
	return 0;
}

static int tb_doc_leased_route(const struct tb_doctor *d,
			       const struct tb_dump_route *s)
{
	struct tb_doc_lease other;

	for (int i = 0; i < s->noifs; i++)
		if (!tb_doc_routed_lease(d, s->oifs[i], &other))
			return 1;
	return 0;
}

/* route-shadowed, one pair: @s takes over lease route @r through @tap. */
static void tb_doc_shadow(struct tb_doctor *d, const struct tb_dump_route *r,
			  int tap, const struct tb_doc_lease *lease,
			  const struct tb_dump_route *s)
{
	char dst[TB_PREFIX_STR_MAX], sdst[TB_PREFIX_STR_MAX];
	char fix[TB_DOC_TEXT_MAX];
	const char *t = tb_doc_ifname(d, tap);
	const char *x = s->noifs ? tb_doc_ifname(d, s->oifs[0]) : "?";

	if (s == r || s->table != r->table || s->dst.family != r->dst.family ||
	    tb_doc_route_ignored(s) || tb_doc_via(s, tap) ||
	    tb_doc_same_vm(d, s, lease))
		return;
	tb_prefix_format(&r->dst, dst, sizeof(dst));
	tb_prefix_format(&s->dst, sdst, sizeof(sdst));
	tb_doc_route_del(d, s, fix, sizeof(fix));
	if (tb_doc_same_dst(r, s) && s->metric < r->metric)
		tb_doc_add(
			d, TB_SEV_WARNING, "route-shadowed", dst, fix,
			"the route to %s through %s (table %u, metric %u) is taken over by the one through %s (metric %u): the VM's NIC %s is never used",
			dst, t, r->table, r->metric, x, s->metric, t);
	else if (s->dst.len > r->dst.len &&
		 tb_prefix_contains(&r->dst, &s->dst))
		tb_doc_add(
			d, TB_SEV_WARNING, "route-shadowed", dst, fix,
			"the more specific route to %s through %s (table %u) takes part of %s, routed to the VM's NIC %s",
			sdst, x, r->table, dst, t);
	else if (tb_doc_same_dst(r, s) && r->metric < s->metric &&
		 !tb_doc_leased_route(d, s)) {
		tb_doc_add(
			d, TB_SEV_WARNING, "route-shadowed", dst, fix,
			"the VM's route to %s through %s (table %u, metric %u) takes over the host's route through %s (metric %u)",
			dst, t, r->table, r->metric, x, s->metric);
	}
}

/* route-shadowed: the host has an address the lease's route @r carries. */
static void tb_doc_local(struct tb_doctor *d, const struct tb_dump_route *r,
			 int tap)
{
	char dst[TB_PREFIX_STR_MAX], a[TB_PREFIX_STR_MAX];
	char fix[TB_DOC_TEXT_MAX];

	for (size_t i = 0; i < d->dump.nroutes; i++) {
		const struct tb_dump_route *s = &d->dump.routes[i];

		if (s->type != RTN_LOCAL || s->dst.family != r->dst.family ||
		    !s->noifs || s->oifs[0] == tap || /* its own gateway */
		    !tb_prefix_contains(&r->dst, &s->dst))
			continue;
		tb_prefix_format(&r->dst, dst, sizeof(dst));
		tb_prefix_format(&s->dst, a, sizeof(a));
		a[strcspn(a, "/")] = '\0';
		snprintf(fix, sizeof(fix), "ip addr del %s dev %s", a,
			 tb_doc_ifname(d, s->oifs[0]));
		tb_doc_add(
			d, TB_SEV_WARNING, "route-shadowed", dst, fix,
			"%s, routed to the VM's NIC %s, is an address of this host (on %s): the host keeps its traffic",
			a, tb_doc_ifname(d, tap), tb_doc_ifname(d, s->oifs[0]));
	}
}

/* Fills @who for uid @uid, from the passwd and group databases. */
static void tb_doc_who(unsigned int uid, struct tb_who *who, gid_t *gids,
		       char *name, size_t len)
{
	struct passwd *pw = getpwuid((uid_t)uid);
	int n = TB_DOC_GROUPS;

	memset(who, 0, sizeof(*who));
	who->uid = (uid_t)uid;
	who->gid = pw ? pw->pw_gid : (gid_t)uid;
	if (!pw)
		return;
	snprintf(name, len, "%s", pw->pw_name);
	who->user = name;
	if (getgrouplist(name, who->gid, gids, &n) < 0)
		n = TB_DOC_GROUPS;
	who->groups = gids;
	who->ngroups = (size_t)n;
}

/* Does the policy grant @r's destination as a routed prefix at all? */
static int tb_doc_granted_dst(const struct tb_doctor *d,
			      const struct tb_dump_route *r)
{
	for (size_t i = 0; i < d->grants.nprefixes; i++)
		if (tb_prefix_contains(&d->grants.prefixes[i], &r->dst))
			return 1;
	return 0;
}

/* route-outside-tables: a lease's route where its policy does not grant. */
static void tb_doc_outside(struct tb_doctor *d, const struct tb_dump_route *r,
			   int tap, const struct tb_doc_lease *lease)
{
	struct tb_routed_ask ask = {.addrs = &r->dst,
				    .naddrs = 1,
				    .tables = &r->table,
				    .ntables = 1,
				    .has_metric = 1,
				    .metric = r->metric};
	char dst[TB_PREFIX_STR_MAX], fix[TB_DOC_TEXT_MAX], name[64];
	gid_t gids[TB_DOC_GROUPS];
	struct tb_decision dec;
	struct tb_who who;
	uint32_t metric;

	if (!d->pol || !tb_doc_granted_dst(d, r))
		return;
	tb_doc_who(lease->uid, &who, gids, name, sizeof(name));
	tb_policy_decide_routed(d->pol, &who, &ask, &metric, &dec);
	if (dec.allow)
		return;
	tb_prefix_format(&r->dst, dst, sizeof(dst));
	tb_doc_route_del(d, r, fix, sizeof(fix));
	tb_doc_add(
		d, TB_SEV_WARNING, "route-outside-tables", dst, fix,
		"the route to %s through the VM's NIC %s is in table %u, outside what the policy grants uid %u: %s",
		dst, tb_doc_ifname(d, tap), r->table, lease->uid, dec.reason);
}

/* Is there a routed lease with proxy=@uplink that routes @addr? */
static int tb_doc_proxy_owned(const struct tb_doctor *d, const char *uplink,
			      const struct tb_prefix *addr)
{
	struct tb_doc_lease lease;

	for (size_t i = 0; i < d->dump.nroutes; i++) {
		const struct tb_dump_route *r = &d->dump.routes[i];

		if (!tb_prefix_contains(&r->dst, addr))
			continue;
		for (int j = 0; j < r->noifs; j++)
			if (!tb_doc_routed_lease(d, r->oifs[j], &lease) &&
			    !strcmp(lease.proxy, uplink))
				return 1;
	}
	return 0;
}

static int tb_doc_proxy_uplink(const struct tb_doctor *d, const char *name)
{
	struct tb_doc_lease lease;

	for (size_t i = 0; i < d->grants.nproxies; i++)
		if (!strcmp(d->grants.proxies[i].name, name))
			return 1;
	for (size_t i = 0; i < d->dump.nlinks; i++)
		if (!tb_doc_lease(d->dump.links[i].alias, &lease) &&
		    !strcmp(lease.proxy, name))
			return 1;
	return 0;
}

/* proxy-orphan: a proxy entry on a lease uplink that no lease holds. */
static void tb_doc_proxies(struct tb_doctor *d)
{
	char a[TB_PREFIX_STR_MAX], fix[TB_DOC_TEXT_MAX], obj[80];

	for (size_t i = 0; i < d->dump.nproxies; i++) {
		const struct tb_dump_proxy *p = &d->dump.proxies[i];
		const char *up = tb_doc_ifname(d, p->ifindex);

		if (!tb_doc_proxy_uplink(d, up) ||
		    tb_doc_proxy_owned(d, up, &p->addr))
			continue;
		tb_prefix_format(&p->addr, a, sizeof(a));
		a[strcspn(a, "/")] = '\0';
		snprintf(obj, sizeof(obj), "%s@%s", a, up);
		snprintf(fix, sizeof(fix), "ip neigh del proxy %s dev %s", a,
			 up);
		tb_doc_add(
			d, TB_SEV_WARNING, "proxy-orphan", obj, fix,
			"%s answers ARP/NDP for %s, but no routed lease holds that address: the LAN sends its traffic here for nothing",
			up, a);
	}
}

/* Table, family, destination, then metric: a full table stays n log n. */
static int tb_doc_route_cmp(const void *pa, const void *pb)
{
	const struct tb_dump_route *a = pa, *b = pb;
	int c;

	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->dst.family != b->dst.family)
		return a->dst.family - b->dst.family;
	if (a->dst.len != b->dst.len)
		return a->dst.len < b->dst.len ? -1 : 1;
	c = memcmp(a->dst.addr, b->dst.addr, 16);
	if (c)
		return c;
	return a->metric < b->metric ? -1 : a->metric > b->metric;
}

/**
 * tb_doc_routes() - the routing checks: forwarding-off, rp-filter,
 * route-metric-tie, route-shadowed, route-outside-tables, proxy-orphan
 */
void tb_doc_routes(struct tb_doctor *d)
{
	struct tb_doc_lease lease;

	tb_doc_forwarding(d);
	qsort(d->dump.routes, d->dump.nroutes, sizeof(*d->dump.routes),
	      tb_doc_route_cmp);
	for (size_t i = 0; i < d->dump.nlinks; i++)
		if (!tb_doc_routed_lease(d, d->dump.links[i].ifindex, &lease))
			tb_doc_rp_filter(d, &d->dump.links[i]);
	for (size_t i = 0; i < d->dump.nroutes; i++) {
		const struct tb_dump_route *r = &d->dump.routes[i];

		if (tb_doc_route_ignored(r))
			continue;
		for (size_t j = i + 1; j < d->dump.nroutes &&
				       tb_doc_same_dst(r, &d->dump.routes[j]);
		     j++) /* sorted: a destination's routes are together */
			if (!tb_doc_route_ignored(&d->dump.routes[j]))
				tb_doc_tie(d, r, &d->dump.routes[j]);
		for (int k = 0; k < r->noifs; k++) {
			if (tb_doc_routed_lease(d, r->oifs[k], &lease))
				continue;
			for (size_t j = 0; j < d->dump.nroutes; j++)
				tb_doc_shadow(d, r, r->oifs[k], &lease,
					      &d->dump.routes[j]);
			tb_doc_local(d, r, r->oifs[k]);
			tb_doc_outside(d, r, r->oifs[k], &lease);
			break; /* one finding per route */
		}
	}
	tb_doc_proxies(d);
}
