// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One tap request: the policy's plan (policy/plan.c), then the kernel facts
 * it needs, fitted against the plan, then the plan carried out (port.c).
 */
#include "broker.h"
#include "guard.h"
#include "pool.h"
#include "port.h"
#include "tenant.h"
#include "vlan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* Fills @rep with status @err and one line of reason; returns @err. */
int tb_refuse(struct tb_reply *rep, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->message, sizeof(rep->message), fmt, ap);
	va_end(ap);
	rep->status = err;
	return err;
}

/* A random unicast, locally administered MAC whose first byte is 0xfe: the
 * bridge takes the lowest port MAC as its own, and 0xfe is never the lowest. */
int tb_tap_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		return -EIO;
	mac[0] = 0xfe;
	return 0;
}

/*
 * A bridge whose MTU was never set explicitly takes its smallest port's:
 * a tap below the bridge's MTU may have lowered it.  Never let that stand.
 */
static int tb_mtu_kept(struct tb_broker *b, const struct tb_plan *plan,
		       const struct tb_bridge_info *br, unsigned int mtu,
		       struct tb_reply *rep)
{
	struct tb_bridge_info now;
	char why[TB_MESSAGE_MAX];
	const char *dev = plan->dev;

	if (mtu >= br->mtu ||
	    tb_nl_bridge_get(b->nl, dev, &now, why, sizeof(why)) ||
	    now.mtu >= br->mtu)
		return 0;
	return tb_refuse(
		rep, -EINVAL,
		"MTU %u would lower bridge %s's MTU from %u (its MTU follows its smallest port; set it explicitly with ip link set %s mtu %u, or ask for %u)",
		mtu, dev, br->mtu, dev, br->mtu, br->mtu);
}

/* The plan's VLANs, and the kernel fact they need: the bridge filters. */
static int tb_tap_vlans(struct tb_broker *b, const struct tb_plan *plan,
			const struct tb_bridge_info *br,
			struct tb_port_vlans *pv, struct tb_reply *rep)
{
	int filtering, err;

	memset(pv, 0, sizeof(*pv));
	if (!plan->vlans)
		return 0;
	pv->any = 1;
	pv->access = plan->access;
	pv->tagged = plan->tagged;
	err = tb_nl_bridge_vlans(b->nl, br->ifindex, &filtering, &pv->drop);
	if (err)
		return tb_refuse(rep, err, "cannot read bridge %s: %s",
				 plan->dev, strerror(-err));
	if (!filtering)
		return tb_refuse(
			rep, -EOPNOTSUPP,
			"bridge %s does not filter VLANs; turn it on with ip link set %s type bridge vlan_filtering 1",
			plan->dev, plan->dev);
	return 0;
}

/* The tap's MTU: the plan's, or the bridge's within the plan's ceiling;
 * never above the bridge's (a kernel fact). */
static int tb_tap_mtu(const struct tb_plan *plan,
		      const struct tb_bridge_info *br, unsigned int *mtu,
		      struct tb_reply *rep)
{
	unsigned int ceiling = plan->mtu_ceiling.limit;

	*mtu = plan->mtu ? plan->mtu : br->mtu < ceiling ? br->mtu : ceiling;
	if (*mtu < TB_MTU_MIN)
		return tb_refuse(rep, -EINVAL, "MTU %u is out of range (%d-%d)",
				 *mtu, TB_MTU_MIN, TB_MTU_MAX);
	if (*mtu > br->mtu)
		return tb_refuse(
			rep, -EINVAL,
			"MTU %u is above bridge %s's MTU %u; ask for at most %u, or raise the bridge's (ip link set %s mtu %u)",
			*mtu, plan->dev, br->mtu, br->mtu, plan->dev, *mtu);
	return 0;
}

/* Addresses that do not fit in the lease's record (lease.c): refused. */
int tb_alias_full(struct tb_reply *rep)
{
	return tb_refuse(
		rep, -ENOSPC,
		"the addresses given with --address do not fit in the lease's record (an ifalias of 255 bytes): name fewer, or shorter ones");
}

/* A tap from the warm pool (pool.c) or a new one, configured (port.c),
 * the bridge MTU checked, the lease recorded. */
static int tb_build_port(struct tb_broker *b, const struct tb_who *who,
			 pid_t vm, const struct tb_request *req,
			 const struct tb_plan *plan,
			 const struct tb_bridge_info *br, struct tb_port *port,
			 struct tb_reply *rep)
{
	struct tb_lease lease = {.uid = who->uid, .vm = vm, .pidfd = -1};
	struct tb_undo u;
	char alias[TB_ALIAS_MAX];
	uint8_t mac[6];
	int err;

	tb_undo_init(&u);
	u.made = 1;
	tb_lease_alias(alias, sizeof(alias), who->uid, vm, plan->dev);
	tb_lease_alias_label(alias, sizeof(alias), req->label);
	if (tb_lease_alias_addrs(alias, sizeof(alias), plan->addrs,
				 plan->naddrs))
		return tb_alias_full(rep);
	port->alias = alias;
	err = 0;
	u.fd = tb_pool_take(b, req, plan, port, rep->ifname, &u.ifindex);
	if (u.fd < 0) { /* none ready: a new tap */
		u.fd = tb_tun_create(tb_tun_flags(req), rep->ifname,
				     &u.ifindex);
		if (u.fd < 0)
			return tb_refuse(
				rep, u.fd,
				"cannot create a tap: %s (is the tun module loaded and /dev/net/tun present?)",
				strerror(-u.fd));
		port->mac = mac;
		err = tb_tap_mac(mac);
		if (!err && (err = tb_port_setup(b, &u, port, plan, rep)) &&
		    !rep->status)
			tb_refuse(rep, err, "cannot add %s to bridge %s: %s",
				  rep->ifname, plan->dev, strerror(-err));
	}
	if (!err)
		err = tb_mtu_kept(b, plan, br, port->mtu, rep);
	lease.ifindex = u.ifindex;
	lease.mtu = port->mtu;
	snprintf(lease.ifname, sizeof(lease.ifname), "%s", rep->ifname);
	snprintf(lease.dev, sizeof(lease.dev), "%s", plan->dev);
	snprintf(lease.label, sizeof(lease.label), "%s", req->label);
	err = tb_port_finish(b, &u, &lease, plan, err, rep);
	if (err < 0)
		rep->ifname[0] = '\0';
	return err;
}

/**
 * tb_quota_check() - may @who hold one more lease?
 *
 * The plan's ceiling against the leases held (a fact only the broker
 * knows).  The broker is single-threaded: nothing runs between this count
 * and the lease's addition, so concurrent requests never exceed the quota.
 * Return: 0, or -EDQUOT with the reason in @rep.
 */
static int tb_quota_check(struct tb_broker *b, const struct tb_who *who,
			  const struct tb_plan *plan, struct tb_reply *rep)
{
	unsigned int held = tb_lease_count(b, who->uid);
	char user[64];

	if (held < plan->quota.limit)
		return 0;
	return tb_refuse(
		rep, -EDQUOT,
		"user %s already holds %u tap%s, the quota of %u set by %s; stop a VM first, or raise quota",
		tb_who_name(who, user, sizeof(user)), held,
		held == 1 ? "" : "s", plan->quota.limit, plan->quota.source);
}

/* A tap in a bridge, made or adopted: the bridge's facts, then the port. */
static int tb_do_bridged(struct tb_broker *b, const struct tb_who *who,
			 pid_t caller, const struct tb_request *req,
			 const struct tb_plan *plan, struct tb_reply *rep)
{
	pid_t vm = tb_lease_vm(caller, !!(req->flags & TB_F_LAUNCHER));
	struct tb_bridge_info br;
	struct tb_port_vlans pv;
	struct tb_port port = {.pv = &pv};
	char why[TB_MESSAGE_MAX];
	int ret;

	tb_lease_events(b); /* every link event so far: the cache is current */
	ret = tb_nl_bridge_cached(b->nl, plan->dev, &br, why, sizeof(why));
	if (ret)
		return tb_refuse(rep, ret, "%s", why);
	ret = tb_tenant_pin_bridge(b, plan->dev, br.ifindex, rep);
	if (ret)
		return ret;
	ret = tb_tap_mtu(plan, &br, &port.mtu, rep);
	if (!ret)
		ret = tb_tap_vlans(b, plan, &br, &pv, rep);
	if (ret)
		return ret;
	port.master = br.ifindex;
	if (plan->adopt[0])
		return tb_adopt_port(b, who, vm, req, plan, &port, rep);
	return tb_build_port(b, who, vm, req, plan, &br, &port, rep);
}

/**
 * tb_do_tap() - carry out one tap request from @who
 *
 * Order: the plan (policy/plan.c: every check on the request and the
 * caller, before any kernel lookup, so a denied caller learns nothing
 * about which bridges exist); the quota and the addresses' exclusivity;
 * then the kind's own facts and steps (bridged here, macvtap.c,
 * routed.c).  On success @rep names the tap and *@fd holds it; on refusal
 * @rep carries the status and one line of reason.
 *
 * Return: 0, or the -errno also stored in @rep->status.
 */
int tb_do_tap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
	      const struct tb_request *req, struct tb_reply *rep, int *fd)
{
	struct tb_plan plan;
	int ret;

	*fd = -1;
	tb_policy_plan(b->policy, who, req, &plan);
	if (!plan.d.allow)
		return tb_refuse(rep, plan.err ? plan.err : -EPERM, "%s",
				 plan.d.reason);
	if (plan.guard && !tb_guard_available()) /* fail closed */
		return tb_refuse(
			rep, -EOPNOTSUPP,
			"%s is guarded by %s (%s), but this tapbroker could not open nftables when it started (%s): refused rather than handed out unguarded; load nf_tables (modprobe nf_tables) and restart tapbroker",
			plan.kind == TB_PLAN_ROUTED ? "this routed tap"
						    : plan.dev,
			plan.d.rule, plan.d.title,
			strerror(tb_guard_open_error() ? -tb_guard_open_error()
						       : EOPNOTSUPP));
	ret = tb_quota_check(b, who, &plan, rep);
	if (!ret && plan.kind != TB_PLAN_ROUTED)
		ret = tb_addrs_free(b, plan.addrs, plan.naddrs, NULL, rep);
	if (ret)
		return ret;
	if (plan.kind == TB_PLAN_MACVTAP)
		ret = tb_do_macvtap(b, who, caller, req, &plan, rep);
	else if (plan.kind == TB_PLAN_ROUTED)
		ret = tb_do_routed(b, who, caller, req, &plan, rep);
	else
		ret = tb_do_bridged(b, who, caller, req, &plan, rep);
	if (ret < 0)
		return ret;
	*fd = ret;
	snprintf(rep->message, sizeof(rep->message), "%s", plan.d.reason);
	rep->status = 0;
	return 0;
}
