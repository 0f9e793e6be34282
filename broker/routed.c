// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Routed mode: a tap in no bridge, with host routes to the addresses the
 * VM claims, in the route tables the plan lists and no other (main only
 * when the request names none), each with the lease's metric.  An
 * optional host-side address (e.g. 169.254.0.1/32) goes on the tap for
 * the guest's gateway, with IFA_F_NOPREFIXROUTE: it adds no connected
 * route anywhere.  Routes and address go away with the tap.
 *
 * One VM may claim an address on two NICs (taps).  With different metrics
 * each tap gets its own route: a primary and a backup.  With equal metrics
 * an IPv4 address gets one multipath route with a nexthop per tap (ECMP).
 * IPv4 deletes a whole multipath route when any of its links goes, so
 * when one lease ends the route is rebuilt over the taps that remain.
 * IPv6 never merges device routes into ECMP (the kernel refuses them in
 * RTA_MULTIPATH and keeps appended ones apart, using only the first), so
 * an IPv6 address shared at one metric is routed through a nexthop group
 * instead: one nexthop object per tap (id TB_NH_TAP | ifindex), which the
 * kernel removes with its tap, shrinking the group; the last one takes
 * the group and its routes with it.
 *
 * On request (--proxy=UPLINK, granted by the policy's proxy key) the
 * uplink answers ARP/NDP for the claimed host addresses: NTF_PROXY
 * neighbour entries, removed when the lease ends.  A restarted broker
 * learns a routed tap's addresses back from its routes, and its uplink
 * from its ifalias (tb_routed_rescan()).
 */
#include "broker.h"
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "prefix.h"

#define TB_ECMP_MAX TB_NH_GROUP_MAX /* nexthops (NICs of one VM) */
#define TB_NH_TAP 0x80000000u /* | ifindex: the nexthop object of a tap */
#define TB_NH_GROUPS 0x74620000u /* "tb": the first group id tried */

struct tb_routed {
	const struct tb_plan *plan;
	struct tb_broker *b;
	const struct tb_lease *l;
	int proxy; /* the uplink's ifindex, or 0 */
	unsigned int proxied; /* bit i: addrs[i]'s proxy entry is ours */
};

/* Is the sysctl in /proc/sys/@path on (its first character not '0')? */
static int tb_sysctl_on(const char *path)
{
	char c = '0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && read(fd, &c, 1) != 1)
		c = '0';
	if (fd >= 0)
		close(fd);
	return c != '0';
}

/* Does the plan claim an address of IPv4 (@v6 0) or IPv6 (@v6 1)? */
static int tb_routed_has_family(const struct tb_plan *plan, int v6)
{
	for (size_t i = 0; i < plan->naddrs; i++)
		if ((plan->addrs[i].family == AF_INET6) == v6)
			return 1;
	return 0;
}

/* Forwarding must be on, or the routes lead nowhere: say which sysctl. */
static int tb_routed_forwarding(const struct tb_plan *plan,
				struct tb_reply *rep)
{
	static const char *const files[2] = {
		"/proc/sys/net/ipv4/ip_forward",
		"/proc/sys/net/ipv6/conf/all/forwarding",
	};
	static const char *const keys[2] = {"net.ipv4.ip_forward",
					    "net.ipv6.conf.all.forwarding"};

	for (int v6 = 0; v6 < 2; v6++) {
		if (tb_routed_has_family(plan, v6) && !tb_sysctl_on(files[v6]))
			return tb_refuse(
				rep, -ENETUNREACH,
				"routed mode needs IPv%d forwarding, which is off in the broker's network namespace: sysctl -w %s=1",
				v6 ? 6 : 4, keys[v6]);
	}
	return 0;
}

static int tb_prefix_equal(const struct tb_prefix *a, const struct tb_prefix *b)
{
	return tb_prefix_contains(a, b) && tb_prefix_contains(b, a);
}

/* Does routed lease @l route exactly @p in table @t? */
static int tb_routed_has(const struct tb_lease *l, const struct tb_prefix *p,
			 uint32_t t)
{
	int in = 0;

	for (size_t i = 0; i < l->ntables; i++)
		in |= l->tables[i] == t;
	for (size_t j = 0; in && j < l->naddrs; j++)
		if (tb_prefix_equal(&l->addrs[j], p))
			return 1;
	return 0;
}

/*
 * The taps of leases other than @self routing @p in table @t at @metric:
 * its ECMP partners (only the same VM's, see tb_routed_free()).  At most
 * TB_ECMP_MAX go in @ifx; the return value counts them all.
 */
static size_t tb_routed_peers(const struct tb_broker *b,
			      const struct tb_lease *self,
			      const struct tb_prefix *p, uint32_t t,
			      uint32_t metric, int ifx[TB_ECMP_MAX])
{
	size_t n = 0;

	for (size_t i = 0; i < b->nleases; i++) {
		const struct tb_lease *l = &b->leases[i];

		if (l == self || l->kind != TB_LEASE_ROUTED ||
		    l->metric != metric || !tb_routed_has(l, p, t))
			continue;
		if (n < TB_ECMP_MAX)
			ifx[n] = l->ifindex;
		n++;
	}
	return n;
}

/*
 * An address overlapping one of another VM's lease, or one the host has,
 * is not available.  The same VM (uid, pid and start time) may claim it
 * again on another NIC: with another metric that is a backup route, with
 * the same metric ECMP (see the top of this file).  A gateway granted by
 * `addresses` is exclusive the same way; one granted by `gateways` is a
 * shared host-side address (the same 169.254.0.1 on every tap).
 */
static int tb_routed_free(struct tb_broker *b, const struct tb_plan *plan,
			  const struct tb_lease *n, struct tb_reply *rep)
{
	int err = tb_addrs_free(b, n->addrs, n->naddrs, n, rep);
	struct tb_prefix gw = plan->gateway;

	if (err || !plan->has_gateway || plan->gateway_shared)
		return err;
	gw.len = gw.family == AF_INET ? 32 : 128; /* the address itself */
	return tb_addrs_free(b, &gw, 1, NULL, rep);
}

/*
 * IPv6 ECMP: the route to @p in table @t at @metric through a nexthop
 * group of the taps @ifx[@n].  The group the route uses already gets the
 * new members; else a new group replaces the (single-tap) route.
 */
static int tb_routed_route_v6(struct tb_broker *b, const int *ifx, size_t n,
			      const struct tb_prefix *p, uint32_t t,
			      uint32_t metric)
{
	static uint32_t next = TB_NH_GROUPS;
	uint32_t ids[TB_ECMP_MAX], g = 0;
	int err = 0;

	for (size_t i = 0; !err && i < n; i++) {
		ids[i] = TB_NH_TAP | (uint32_t)ifx[i];
		err = tb_nl_nexthop_dev(b->nl, ids[i], ifx[i]);
		if (err == -EEXIST) /* the tap's, made for another route */
			err = 0;
	}
	if (!err)
		err = tb_nl_route_nhid_get(b->nl, p, t, metric, &g);
	if (err)
		return err;
	if (g)
		return tb_nl_nexthop_group(b->nl, g, ids, n, 1);
	for (int tries = 0; tries < 1000; tries++) {
		g = next;
		next = next + 1 < TB_NH_TAP ? next + 1 : TB_NH_GROUPS;
		err = tb_nl_nexthop_group(b->nl, g, ids, n, 0);
		if (err != -EEXIST)
			break;
	}
	if (!err && (err = tb_nl_route_nhid(b->nl, p, t, metric, g)))
		tb_nl_nexthop_del(b->nl, g);
	return err;
}

/* One route to @p in table @t via @l's tap; with partners, a multipath
 * route over all of them (replacing theirs). */
static int tb_routed_route(struct tb_broker *b, const struct tb_lease *l,
			   const struct tb_prefix *p, uint32_t t,
			   struct tb_reply *rep)
{
	int ifx[TB_ECMP_MAX + 1], err;
	size_t n = tb_routed_peers(b, l, p, t, l->metric, ifx);
	char a[TB_PREFIX_STR_MAX];

	tb_prefix_format(p, a, sizeof(a));
	if (n >= TB_ECMP_MAX)
		return tb_refuse(
			rep, -E2BIG,
			"address %s is routed over %d NICs already, the most one route takes",
			a, TB_ECMP_MAX);
	ifx[n++] = l->ifindex;
	if (n > 1 && p->family == AF_INET6)
		err = tb_routed_route_v6(b, ifx, n, p, t, l->metric);
	else if (n > 1)
		err = tb_nl_route_multipath(b->nl, ifx, n, p, t, l->metric);
	else
		err = tb_nl_route_add(b->nl, l->ifindex, p, t, l->metric);
	if (err == -EEXIST)
		return tb_refuse(
			rep, err,
			"a route to %s with metric %u already exists in table %u (see ip route show table %u; ask for another --metric)",
			a, l->metric, t, t);
	if (err)
		return tb_refuse(
			rep, err,
			"cannot add a route to %s (metric %u) in table %u: %s",
			a, l->metric, t, strerror(-err));
	return 0;
}

/*
 * Rebuilds, without @l, the multipath routes @l shared with other leases
 * (at its lease end, or when its tap was rolled back): IPv4 deletes a
 * multipath route whole when one of its links goes.  An IPv6 group needs
 * nothing: the tap's nexthop object goes with the tap.
 */
static void tb_routed_resync(struct tb_broker *b, const struct tb_lease *l)
{
	int ifx[TB_ECMP_MAX], err;
	char a[TB_PREFIX_STR_MAX];
	size_t n;

	for (size_t i = 0; i < l->naddrs; i++)
		for (size_t t = 0; t < l->ntables; t++) {
			if (l->addrs[i].family != AF_INET)
				continue;
			n = tb_routed_peers(b, l, &l->addrs[i], l->tables[t],
					    l->metric, ifx);
			if (!n)
				continue;
			err = tb_nl_route_multipath(
				b->nl, ifx, n < TB_ECMP_MAX ? n : TB_ECMP_MAX,
				&l->addrs[i], l->tables[t], l->metric);
			if (!err)
				continue;
			tb_prefix_format(&l->addrs[i], a, sizeof(a));
			tb_log(LOG_ERR,
			       "cannot rebuild the route to %s in table %u without %s: %s",
			       a, l->tables[t], l->ifname, strerror(-err));
		}
}

/* Does a lease other than @self keep a proxy entry for @p on its uplink? */
static int tb_routed_proxy_shared(const struct tb_broker *b,
				  const struct tb_lease *self,
				  const struct tb_prefix *p)
{
	for (size_t i = 0; i < b->nleases; i++) {
		const struct tb_lease *l = &b->leases[i];

		if (l == self || strcmp(l->proxy, self->proxy))
			continue;
		for (size_t j = 0; j < l->naddrs; j++)
			if (tb_prefix_equal(&l->addrs[j], p))
				return 1;
	}
	return 0;
}

/* Proxy entries on the uplink @rt->proxy for @l's addresses. */
static int tb_routed_proxies(struct tb_broker *b, struct tb_routed *rt,
			     const struct tb_lease *l, struct tb_reply *rep)
{
	char a[TB_PREFIX_STR_MAX];
	int err;

	for (size_t i = 0; rt->proxy && i < l->naddrs; i++) {
		if (tb_routed_proxy_shared(b, l, &l->addrs[i]))
			continue; /* the same VM's other NIC made it */
		err = tb_nl_proxy(b->nl, 1, rt->proxy, &l->addrs[i]);
		tb_prefix_format(&l->addrs[i], a, sizeof(a));
		if (err == -EEXIST)
			return tb_refuse(
				rep, err,
				"a proxy entry for %s on %s exists already (see ip neigh show proxy dev %s; remove it or leave out --proxy)",
				a, l->proxy, l->proxy);
		if (err)
			return tb_refuse(
				rep, err,
				"cannot add a proxy entry for %s on %s: %s", a,
				l->proxy, strerror(-err));
		rt->proxied |= 1u << i;
	}
	return 0;
}

/* Deletes the proxy entries of @l's addresses in @mask, unless shared. */
static void tb_routed_unproxy(struct tb_broker *b, const struct tb_lease *l,
			      int uplink, unsigned int mask)
{
	char a[TB_PREFIX_STR_MAX];
	int err;

	for (size_t i = 0; uplink && i < l->naddrs; i++) {
		if (!(mask & (1u << i)) ||
		    tb_routed_proxy_shared(b, l, &l->addrs[i]))
			continue;
		err = tb_nl_proxy(b->nl, 0, uplink, &l->addrs[i]);
		if (!err || err == -ENODEV)
			continue;
		tb_prefix_format(&l->addrs[i], a, sizeof(a));
		tb_log(LOG_ERR,
		       "cannot remove the proxy entry for %s on %s: %s", a,
		       l->proxy, strerror(-err));
	}
}

/**
 * tb_routed_release() - a routed lease ends: what its tap does not take
 *
 * Shared multipath routes are rebuilt over the taps that remain, and its
 * proxy entries (unless another lease shares them) are removed.  Its own
 * routes go with its tap.
 */
void tb_routed_release(struct tb_broker *b, const struct tb_lease *l)
{
	unsigned int mtu;
	int uplink = 0;

	tb_routed_resync(b, l);
	if (l->proxy[0] && tb_nl_link_get(b->nl, l->proxy, &uplink, &mtu))
		return; /* the uplink is gone, and its entries with it */
	tb_routed_unproxy(b, l, uplink, ~0u);
}

/* Gateway address, routes and proxy entries for the new tap @l, up. */
static int tb_routed_apply(struct tb_broker *b, struct tb_routed *rt,
			   const struct tb_lease *l, struct tb_reply *rep)
{
	int err = 0;

	if (rt->plan->has_gateway)
		err = tb_nl_addr_add(b->nl, l->ifindex, &rt->plan->gateway);
	if (err)
		return tb_refuse(rep, err, "cannot set up routed tap %s: %s",
				 l->ifname, strerror(-err));
	for (size_t i = 0; !err && i < l->naddrs; i++)
		for (size_t t = 0; !err && t < l->ntables; t++)
			err = tb_routed_route(b, l, &l->addrs[i], l->tables[t],
					      rep);
	return err ? err : tb_routed_proxies(b, rt, l, rep);
}

/* The undo record's extra step: what the tap's deletion does not mend. */
static void tb_routed_undo(struct tb_broker *b, void *arg)
{
	struct tb_routed *rt = arg;

	tb_routed_resync(b, rt->l); /* shared routes are rebuilt */
	tb_routed_unproxy(b, rt->l, rt->proxy, rt->proxied);
}

/* The ifalias: the tap's, plus the VM's start time and the proxy uplink. */
static void tb_routed_alias(char *buf, size_t len, const struct tb_lease *l)
{
	size_t n;

	tb_lease_alias(buf, len, l->uid, l->vm, "-");
	n = strlen(buf);
	snprintf(buf + n, len - n, " start=%llu%s%s", l->start,
		 l->proxy[0] ? " proxy=" : "", l->proxy);
	tb_lease_alias_label(buf, len, l->label);
}

/* Creates the tap, applies everything, records the lease; @fd on success. */
static int tb_routed_build(struct tb_broker *b, const struct tb_request *req,
			   struct tb_routed *rt, struct tb_lease *l,
			   struct tb_reply *rep)
{
	struct tb_port port = {.mtu = l->mtu};
	struct tb_undo u;
	char alias[160];
	uint8_t mac[6];
	int err;

	tb_undo_init(&u);
	u.made = 1;
	u.fd = tb_tun_create(tb_tun_flags(req), l->ifname, &l->ifindex);
	if (u.fd < 0)
		return tb_refuse(rep, u.fd, "cannot create a tap: %s",
				 strerror(-u.fd));
	u.ifindex = l->ifindex;
	u.extra = tb_routed_undo;
	u.extra_arg = rt;
	rt->l = l;
	tb_routed_alias(alias, sizeof(alias), l);
	port.alias = alias;
	port.mac = mac;
	err = tb_tap_mac(mac);
	if (!err && (err = tb_port_setup(b, &u, &port, rt->plan, rep)) &&
	    !rep->status)
		tb_refuse(rep, err, "cannot set up %s: %s", l->ifname,
			  strerror(-err));
	if (!err)
		err = tb_routed_apply(b, rt, l, rep);
	err = err ? err : tb_port_record(b, &u, l, rep);
	if (err < 0)
		tb_undo_rollback(b, &u);
	return err;
}

/* --proxy=UPLINK (granted by the plan): the uplink there, and NDP
 * proxying on for IPv6 (ARP proxy entries need only forwarding). */
static int tb_routed_proxy_check(struct tb_broker *b, struct tb_routed *rt,
				 struct tb_reply *rep)
{
	const char *uplink = rt->plan->proxy;
	char key[IFNAMSIZ], path[96];
	unsigned int mtu;

	if (tb_nl_link_get(b->nl, uplink, &rt->proxy, &mtu))
		return tb_refuse(rep, -ENODEV, "proxy uplink %s does not exist",
				 uplink);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/proxy_ndp",
		 uplink);
	if (!tb_routed_has_family(rt->plan, 1) ||
	    tb_sysctl_on("/proc/sys/net/ipv6/conf/all/proxy_ndp") ||
	    tb_sysctl_on(path))
		return 0;
	snprintf(key, sizeof(key), "%s", uplink);
	for (char *c = key; *c; c++)
		*c = *c == '.' ? '/' : *c; /* sysctl(8)'s spelling of a dot */
	return tb_refuse(
		rep, -ENETUNREACH,
		"proxy NDP is off on %s in the broker's network namespace: sysctl -w net.ipv6.conf.%s.proxy_ndp=1",
		uplink, key);
}

/* The new lease: who, which VM, and what the plan grants it. */
static int tb_routed_lease(const struct tb_who *who, pid_t caller,
			   const struct tb_request *req,
			   const struct tb_plan *plan, struct tb_lease *l,
			   struct tb_reply *rep)
{
	struct tb_proc vm;

	*l = (struct tb_lease){.kind = TB_LEASE_ROUTED,
			       .uid = who->uid,
			       .pidfd = -1,
			       .metric = plan->metric,
			       .ntables = plan->ntables,
			       .mtu = plan->mtu};
	l->vm = tb_proc_vm(caller, !!(req->flags & TB_F_LAUNCHER), &vm);
	l->start = l->vm ? vm.start : 0;
	memcpy(l->tables, plan->tables, sizeof(l->tables));
	snprintf(l->dev, sizeof(l->dev), "-");
	snprintf(l->label, sizeof(l->label), "%s", req->label);
	snprintf(l->proxy, sizeof(l->proxy), "%s", plan->proxy);
	return tb_lease_claim(l, plan, rep);
}

/**
 * tb_do_routed() - carry out a routed plan for @who
 *
 * The facts: the proxy uplink (and proxy NDP), forwarding, and that no
 * other VM's lease and no host interface holds an overlapping address or
 * the gateway.  Then the tap, its port sequence, gateway, routes and proxy
 * entries, with one undo record.
 * Return: the tap's fd, or -errno with @rep saying why.
 */
int tb_do_routed(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		 const struct tb_request *req, const struct tb_plan *plan,
		 struct tb_reply *rep)
{
	struct tb_routed rt = {.plan = plan, .b = b};
	struct tb_lease l = {0};
	int fd, err = 0;

	if (plan->proxy[0])
		err = tb_routed_proxy_check(b, &rt, rep);
	if (!err)
		err = tb_routed_forwarding(plan, rep);
	if (!err)
		err = tb_routed_lease(who, caller, req, plan, &l, rep);
	if (!err)
		err = tb_routed_free(b, plan, &l, rep);
	fd = err ? err : tb_routed_build(b, req, &rt, &l, rep);
	if (fd < 0) {
		free(l.addrs);
		return fd;
	}
	snprintf(rep->ifname, sizeof(rep->ifname), "%s", l.ifname);
	return fd;
}

/* A route found at start-up: the address (and table, metric) it carries
 * belongs to the routed lease whose tap it goes through, if any. */
static void tb_routed_found(void *arg, int ifindex, const struct tb_prefix *dst,
			    uint32_t table, uint32_t metric)
{
	struct tb_broker *b = arg;
	struct tb_prefix *v;
	struct tb_lease *l = NULL;
	size_t j;

	for (size_t i = 0; i < b->nleases && !l; i++)
		if (b->leases[i].ifindex == ifindex &&
		    b->leases[i].kind == TB_LEASE_ROUTED)
			l = &b->leases[i];
	if (!l)
		return;
	l->metric = metric;
	for (j = 0; j < l->ntables && l->tables[j] != table; j++)
		;
	if (j == l->ntables && j < TB_TABLES)
		l->tables[l->ntables++] = table;
	for (j = 0; j < l->naddrs && !tb_prefix_equal(&l->addrs[j], dst); j++)
		;
	if (j < l->naddrs || l->naddrs == TB_ADDRS)
		return;
	v = reallocarray(l->addrs, l->naddrs + 1, sizeof(*v));
	if (!v)
		return; /* then the address stays unknown, as before */
	l->addrs = v;
	v[l->naddrs++] = *dst;
}

/**
 * tb_routed_rescan() - at start-up, the addresses of the routed leases found
 *
 * Their taps' ifaliases name the VM and the proxy uplink but not the
 * addresses: those are read back from the routes through each tap (one
 * dump of every table), so that another VM's claim is still refused and
 * lease end still removes the proxy entries.
 * Return: 0, or -errno.
 */
int tb_routed_rescan(struct tb_broker *b)
{
	for (size_t i = 0; i < b->nleases; i++)
		if (b->leases[i].kind == TB_LEASE_ROUTED)
			return tb_nl_route_scan(b->nl, tb_routed_found, b);
	return 0;
}
