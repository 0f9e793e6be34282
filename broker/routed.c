// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Routed mode: a tap in no bridge, with host routes to the addresses the
 * VM claims, in the route tables listed and no other (never an implicit
 * main-table route), each with the lease's metric.  An optional host-side
 * address (e.g. 169.254.0.1/32) goes on the tap for the guest's gateway.
 * Routes and address go away with the tap when the lease ends.
 */
#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "prefix.h"

#define TB_TABLES 8

struct tb_routed {
	struct tb_prefix addrs[TB_ADDRS];
	size_t naddrs;
	uint32_t tables[TB_TABLES];
	size_t ntables;
	uint32_t metric;
	struct tb_prefix gateway;
	int has_gateway;
};

/* "10.0.0.5,2001:db8::/64" and "main,100" into @rt; refuses with why. */
static int tb_routed_parse(const struct tb_request *req, struct tb_routed *rt,
			   struct tb_reply *rep)
{
	char list[TB_ADDRS_MAX], why[128], *save = NULL, *item;
	unsigned long t;
	char *end;

	snprintf(list, sizeof(list), "%s", req->addrs);
	for (item = strtok_r(list, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		if (rt->naddrs == TB_ADDRS)
			return tb_refuse(rep, -E2BIG,
					 "more than %d routed addresses",
					 TB_ADDRS);
		if (tb_prefix_parse(item, 0, &rt->addrs[rt->naddrs++], why,
				    sizeof(why)))
			return tb_refuse(rep, -EINVAL, "address: %s", why);
	}
	snprintf(list, sizeof(list), "%s", req->tables);
	for (item = strtok_r(list, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		t = strcmp(item, "main") ? strtoul(item, &end, 10) : 254;
		if (rt->ntables == TB_TABLES ||
		    (strcmp(item, "main") && (*end || !t || t > 0xfffffffeUL)))
			return tb_refuse(
				rep, -EINVAL,
				"table '%.20s' is not main or a number (at most %d tables)",
				item, TB_TABLES);
		rt->tables[rt->ntables++] = (uint32_t)t;
	}
	if (req->gateway[0]) {
		if (tb_prefix_parse(req->gateway, 1, &rt->gateway, why,
				    sizeof(why)))
			return tb_refuse(rep, -EINVAL, "gateway: %s", why);
		rt->has_gateway = 1;
	}
	return 0;
}

/* Forwarding must be on, or the routes lead nowhere: say which sysctl. */
static int tb_routed_forwarding(const struct tb_routed *rt,
				struct tb_reply *rep)
{
	static const char *const files[2] = {
		"/proc/sys/net/ipv4/ip_forward",
		"/proc/sys/net/ipv6/conf/all/forwarding",
	};
	static const char *const keys[2] = {"net.ipv4.ip_forward",
					    "net.ipv6.conf.all.forwarding"};

	for (int v6 = 0; v6 < 2; v6++) {
		char c = '0';
		int fd, need = 0;

		for (size_t i = 0; i < rt->naddrs; i++)
			need |= (rt->addrs[i].family == AF_INET6) == v6;
		if (!need)
			continue;
		fd = open(files[v6], O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, &c, 1) != 1)
			c = '0';
		if (fd >= 0)
			close(fd);
		if (c == '0')
			return tb_refuse(
				rep, -ENETUNREACH,
				"routed mode needs IPv%d forwarding, which is off in the broker's network namespace: sysctl -w %s=1",
				v6 ? 6 : 4, keys[v6]);
	}
	return 0;
}

/*
 * An address claimed by another VM's lease is not available.  The same VM
 * may claim it on a second NIC: with another metric that is a backup route
 * (the kernel refuses a second route with the same metric).
 */
static int tb_routed_free(struct tb_broker *b, const struct tb_routed *rt,
			  pid_t vm, struct tb_reply *rep)
{
	char a[TB_PREFIX_STR_MAX], h[TB_PREFIX_STR_MAX];

	for (size_t i = 0; i < b->nleases; i++) {
		const struct tb_lease *l = &b->leases[i];

		if (vm > 0 && l->vm == vm)
			continue;
		for (size_t j = 0; j < l->naddrs; j++)
			for (size_t k = 0; k < rt->naddrs; k++) {
				if (!tb_prefix_overlap(&l->addrs[j],
						       &rt->addrs[k]))
					continue;
				tb_prefix_format(&rt->addrs[k], a, sizeof(a));
				tb_prefix_format(&l->addrs[j], h, sizeof(h));
				return tb_refuse(
					rep, -EADDRINUSE,
					"address %s overlaps %s, routed to %s of uid %u",
					a, h, l->ifname, (unsigned int)l->uid);
			}
	}
	return 0;
}

/* Gateway address and routes on the new tap @l, then up. */
static int tb_routed_apply(struct tb_broker *b, const struct tb_routed *rt,
			   const struct tb_lease *l, const char *alias,
			   struct tb_reply *rep)
{
	static const uint32_t main_table = 254;
	const uint32_t *tables = rt->ntables ? rt->tables : &main_table;
	size_t nt = rt->ntables ? rt->ntables : 1;
	char a[TB_PREFIX_STR_MAX];
	int err = tb_nl_link_up(b->nl, l->ifindex, alias);

	if (!err && rt->has_gateway)
		err = tb_nl_addr_add(b->nl, l->ifindex, &rt->gateway);
	for (size_t i = 0; !err && i < rt->naddrs; i++)
		for (size_t t = 0; !err && t < nt; t++) {
			err = tb_nl_route_add(b->nl, l->ifindex, &rt->addrs[i],
					      tables[t], rt->metric);
			if (!err)
				continue;
			tb_prefix_format(&rt->addrs[i], a, sizeof(a));
			if (err == -EEXIST)
				return tb_refuse(
					rep, err,
					"a route to %s with metric %u already exists in table %u (see ip route show table %u; ask for another --metric)",
					a, rt->metric, tables[t], tables[t]);
			return tb_refuse(
				rep, err,
				"cannot add a route to %s (metric %u) in table %u: %s",
				a, rt->metric, tables[t], strerror(-err));
		}
	if (err)
		tb_refuse(rep, err, "cannot set up routed tap %s: %s",
			  l->ifname, strerror(-err));
	return err;
}

/* Creates the tap, applies everything, records the lease; @fd on success. */
static int tb_routed_build(struct tb_broker *b, const struct tb_who *who,
			   const struct tb_request *req,
			   const struct tb_routed *rt, struct tb_lease *l,
			   struct tb_reply *rep)
{
	char alias[128];
	uint8_t mac[6];
	int fd, err;

	fd = tb_tun_create(tb_tun_flags(req), who->uid, l->ifname, &l->ifindex);
	if (fd < 0)
		return tb_refuse(rep, fd, "cannot create a tap: %s",
				 strerror(-fd));
	tb_lease_alias(alias, sizeof(alias), who->uid, l->vm, "-");
	tb_lease_alias_label(alias, sizeof(alias), req->label);
	snprintf(l->label, sizeof(l->label), "%s", req->label);
	err = tb_tap_mac(mac);
	if (!err)
		err = tb_nl_port_join(b->nl, l->ifindex, 0, l->mtu, mac, alias);
	if (err)
		tb_refuse(rep, err, "cannot set up %s: %s", l->ifname,
			  strerror(-err));
	if (!err)
		err = tb_routed_apply(b, rt, l, alias, rep);
	l->addrs = err ? NULL : malloc(rt->naddrs * sizeof(*l->addrs));
	if (!err && !l->addrs)
		err = tb_refuse(rep, -ENOMEM, "out of memory");
	if (!err) {
		memcpy(l->addrs, rt->addrs, rt->naddrs * sizeof(*l->addrs));
		l->naddrs = rt->naddrs;
		err = tb_lease_add(b, l);
	}
	if (err) {
		free(l->addrs);
		close(fd);
		tb_nl_link_del(b->nl, l->ifindex); /* routes go with it */
		return err;
	}
	return fd;
}

/**
 * tb_do_routed() - carry out a routed-tap request from @who
 *
 * Checked and decided before the kernel is touched: addresses, tables and
 * metric by policy, the quota, forwarding, and that no other lease holds
 * an overlapping address.
 * Return: 0 with *@fd the tap, or -errno with @rep saying why.
 */
int tb_do_routed(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		 const struct tb_request *req, struct tb_reply *rep, int *fd)
{
	struct tb_lease l = {
		.kind = TB_LEASE_ROUTED,
		.uid = who->uid,
		.pidfd = -1,
		.vm = tb_lease_vm(caller, !!(req->flags & TB_F_LAUNCHER))};
	struct tb_routed_ask ask = {0};
	struct tb_routed rt = {0};
	struct tb_decision d;
	int err = tb_routed_parse(req, &rt, rep);

	if (err)
		return err;
	ask = (struct tb_routed_ask){rt.addrs,
				     rt.naddrs,
				     rt.tables,
				     rt.ntables,
				     !!(req->flags & TB_F_METRIC),
				     req->metric};
	tb_policy_decide_routed(b->policy, who, &ask, &rt.metric, &d);
	if (!d.allow)
		return tb_refuse(rep, -EPERM, "%s", d.reason);
	err = tb_quota_check(b, who, rep);
	if (!err)
		err = tb_routed_forwarding(&rt, rep);
	if (!err)
		err = tb_routed_free(b, &rt, l.vm, rep);
	if (err)
		return err;
	l.mtu = req->mtu ? req->mtu : 1500;
	if (l.mtu < TB_MTU_MIN || l.mtu > TB_MTU_MAX)
		return tb_refuse(rep, -EINVAL, "MTU %u is out of range (%d-%d)",
				 l.mtu, TB_MTU_MIN, TB_MTU_MAX);
	snprintf(l.bridge, sizeof(l.bridge), "-");
	*fd = tb_routed_build(b, who, req, &rt, &l, rep);
	if (*fd < 0)
		return *fd;
	snprintf(rep->ifname, sizeof(rep->ifname), "%s", l.ifname);
	snprintf(rep->message, sizeof(rep->message), "%s", d.reason);
	rep->status = 0;
	return 0;
}
