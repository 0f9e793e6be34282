// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan: one request decided once, in one fixed order, from the policy,
 * the caller and the request alone.  The broker carries the plan out and
 * `tapbroker explain` prints it, so the two cannot disagree.
 */
#include "policy_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "proto.h"

static int tb_plan_fail(struct tb_plan *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Refuses the plan with @err and one line of reason, no rule. */
static int tb_plan_fail(struct tb_plan *p, int err, const char *fmt, ...)
{
	va_list ap;

	memset(&p->d, 0, sizeof(p->d));
	va_start(ap, fmt);
	vsnprintf(p->d.reason, sizeof(p->d.reason), fmt, ap);
	va_end(ap);
	p->err = err;
	return -1;
}

/* Takes decision @d: a refusal ends the plan (-EPERM). */
static int tb_plan_take(struct tb_plan *p, const struct tb_decision *d)
{
	if (d->allow)
		return 0;
	p->d = *d;
	p->err = -EPERM;
	return -1;
}

/* "FILE:LINE (allow \"lab\")" of @d's rule, or "the default". */
static void tb_plan_source(char *buf, size_t len, const struct tb_decision *d)
{
	if (d->rule[0])
		snprintf(buf, len, "%s (%s)", d->rule, d->title);
	else
		snprintf(buf, len, "the default");
}

/* A name field: checked as an interface name, shown escaped if bad. */
static int tb_plan_name(struct tb_plan *p, const char *what, const char *name)
{
	char why[128], shown[64];

	if (!tb_ifname_check(name, why, sizeof(why)))
		return 0;
	tb_escape(name, strlen(name), shown, sizeof(shown));
	return tb_plan_fail(p, -EINVAL, "%s '%s' %s", what, shown, why);
}

/* A tap in a bridge: bridge and adopt names, VLAN id and trunk list. */
static int tb_plan_tap_fields(const struct tb_request *req, struct tb_plan *p)
{
	char why[128];

	if (tb_plan_name(p, "bridge name", req->bridge) ||
	    (req->adopt[0] && tb_plan_name(p, "interface name", req->adopt)))
		return -1;
	snprintf(p->dev, sizeof(p->dev), "%s", req->bridge);
	snprintf(p->adopt, sizeof(p->adopt), "%s", req->adopt);
	p->vlans = req->vlan || req->trunk[0];
	p->access = req->vlan;
	if (req->vlan > TB_VLAN_MAX)
		return tb_plan_fail(p, -EINVAL, "VLAN %u is not 1-4094",
				    req->vlan);
	if (req->trunk[0] &&
	    tb_vlan_parse(req->trunk, &p->tagged, why, sizeof(why)))
		return tb_plan_fail(p, -EINVAL, "trunk: %s", why);
	return 0;
}

/* A macvtap: mode and lower device name. */
static int tb_plan_macvtap_fields(const struct tb_request *req,
				  struct tb_plan *p)
{
	char shown[64];

	p->mode = req->mode[0] ? tb_macvtap_mode(req->mode) : TB_MODE_VEPA;
	if (!p->mode) {
		tb_escape(req->mode, strlen(req->mode), shown, sizeof(shown));
		return tb_plan_fail(
			p, -EINVAL,
			"macvtap mode '%s' is not one of vepa, bridge, private, passthru, source",
			shown);
	}
	if (tb_plan_name(p, "macvtap lower device name", req->lower))
		return -1;
	snprintf(p->dev, sizeof(p->dev), "%s", req->lower);
	return 0;
}

/* A routed tap: tables (default main, and only main), gateway, proxy. */
static int tb_plan_routed_fields(const struct tb_request *req,
				 struct tb_plan *p)
{
	char why[160];

	if (!p->naddrs)
		return tb_plan_fail(p, -EINVAL,
				    "routed mode needs at least one --address");
	if (tb_tables_parse(req->tables, p->tables, &p->ntables, why,
			    sizeof(why)))
		return tb_plan_fail(p, -EINVAL, "%s", why);
	if (!p->ntables)
		p->tables[p->ntables++] = TB_TABLE_MAIN;
	if (req->gateway[0] &&
	    tb_prefix_parse(req->gateway, 1, &p->gateway, why, sizeof(why)))
		return tb_plan_fail(p, -EINVAL, "gateway: %s", why);
	p->has_gateway = !!req->gateway[0];
	if (req->proxy[0] && tb_plan_name(p, "proxy uplink name", req->proxy))
		return -1;
	snprintf(p->proxy, sizeof(p->proxy), "%s", req->proxy);
	return 0;
}

/* Step 1: the request's own fields, each by its one parser. */
static int tb_plan_fields(const struct tb_request *req, struct tb_plan *p)
{
	char why[160], shown[64];

	if (req->label[0] && tb_label_check(req->label, why, sizeof(why))) {
		tb_escape(req->label, strlen(req->label), shown, sizeof(shown));
		return tb_plan_fail(p, -EINVAL, "VM name '%s' %s", shown, why);
	}
	p->mtu = req->mtu;
	if (req->mtu && tb_mtu_check(req->mtu, why, sizeof(why)))
		return tb_plan_fail(p, -EINVAL, "%s", why);
	if (tb_prefixes_parse(req->addrs, p->addrs, TB_ADDRS, &p->naddrs, why,
			      sizeof(why)))
		return tb_plan_fail(p, -EINVAL, "address: %s", why);
	if (req->mac[0] && tb_mac_parse(req->mac, p->mac, why, sizeof(why)))
		return tb_plan_fail(p, -EINVAL, "mac: %s", why);
	p->has_mac = !!req->mac[0];
	p->kind = req->lower[0]		       ? TB_PLAN_MACVTAP
		  : (req->flags & TB_F_ROUTED) ? TB_PLAN_ROUTED
					       : TB_PLAN_TAP;
	if (p->kind == TB_PLAN_MACVTAP)
		return tb_plan_macvtap_fields(req, p);
	if (p->kind == TB_PLAN_ROUTED)
		return tb_plan_routed_fields(req, p);
	return tb_plan_tap_fields(req, p);
}

/* Step 2: the queues ceiling (the same number bounds vhost-net fds). */
static int tb_plan_queues(const struct tb_policy *pol, const struct tb_who *who,
			  const struct tb_request *req, struct tb_plan *p)
{
	char user[64];

	tb_policy_queues(pol, who, &p->queues);
	tb_policy_quota(pol, who, &p->quota);
	if (req->queues <= 1 || req->queues <= p->queues.limit)
		return 0;
	return tb_plan_fail(
		p, -EPERM,
		"%u queues asked for; user %s may have at most %u per tap, set by %s; ask for fewer, or raise queues",
		req->queues, tb_who_name(who, user, sizeof(user)),
		p->queues.limit, p->queues.source);
}

/* Step 3: the device: bridge, lower device and mode, or the addresses. */
static int tb_plan_device(const struct tb_policy *pol, const struct tb_who *who,
			  const struct tb_request *req, struct tb_plan *p)
{
	struct tb_routed_ask ask = {p->addrs,
				    p->naddrs,
				    p->tables,
				    p->ntables,
				    !!(req->flags & TB_F_METRIC),
				    req->metric};

	if (p->kind == TB_PLAN_MACVTAP)
		tb_policy_decide_macvtap(pol, who, p->dev, p->mode, &p->d);
	else if (p->kind == TB_PLAN_ROUTED)
		tb_policy_decide_routed(pol, who, &ask, &p->metric, &p->d);
	else
		tb_policy_decide_bridge(pol, who, p->dev, &p->d);
	if (!p->d.allow)
		p->err = -EPERM;
	if (p->d.allow && p->kind == TB_PLAN_ROUTED)
		tb_plan_source(p->addrs_src, sizeof(p->addrs_src), &p->d);
	return p->d.allow ? 0 : -1;
}

/* Steps 4 and 5: adopt, then VLANs (taps in a bridge only). */
static int tb_plan_port(const struct tb_policy *pol, const struct tb_who *who,
			struct tb_plan *p)
{
	struct tb_decision d;

	if (p->kind != TB_PLAN_TAP)
		return 0;
	if (p->adopt[0]) {
		tb_policy_decide_adopt(pol, who, p->adopt, &d);
		if (tb_plan_take(p, &d))
			return -1;
		tb_plan_source(p->adopt_src, sizeof(p->adopt_src), &d);
	}
	if (!p->vlans)
		return 0;
	tb_policy_decide_vlan(pol, who, p->dev, p->access,
			      tb_vlan_empty(&p->tagged) ? NULL : &p->tagged,
			      &d);
	if (tb_plan_take(p, &d))
		return -1;
	tb_plan_source(p->vlans_src, sizeof(p->vlans_src), &d);
	return 0;
}

/* Step 6: the MTU ceiling; an MTU asked for must lie within it. */
static int tb_plan_mtu(const struct tb_policy *pol, const struct tb_who *who,
		       struct tb_plan *p)
{
	struct tb_decision d;

	if (p->kind == TB_PLAN_ROUTED)
		tb_policy_mtu_routed(pol, who, &p->addrs[0], &p->mtu_ceiling);
	else
		tb_policy_mtu(pol, who, p->dev, &p->mtu_ceiling);
	if (p->kind == TB_PLAN_ROUTED && !p->mtu) /* no device to follow */
		p->mtu = p->mtu_ceiling.limit < 1500 ? p->mtu_ceiling.limit
						     : 1500;
	if (!p->mtu)
		return 0;
	if (p->kind == TB_PLAN_ROUTED)
		tb_policy_decide_mtu_routed(pol, who, &p->addrs[0], p->mtu, &d);
	else if (p->kind == TB_PLAN_MACVTAP)
		tb_policy_decide_mtu_lower(pol, who, p->dev, p->mtu, &d);
	else
		tb_policy_decide_mtu(pol, who, p->dev, p->mtu, &d);
	return tb_plan_take(p, &d);
}

/* --proxy answers for host addresses only, on an uplink the rule names. */
static int tb_plan_proxy(const struct tb_policy *pol, const struct tb_who *who,
			 struct tb_plan *p)
{
	struct tb_decision d;

	tb_policy_decide_proxy(pol, who, p->proxy, p->addrs, p->naddrs, &d);
	if (tb_plan_take(p, &d))
		return -1;
	for (size_t i = 0; i < p->naddrs; i++)
		if (p->addrs[i].len !=
		    (p->addrs[i].family == AF_INET6 ? 128u : 32u))
			return tb_plan_fail(
				p, -EINVAL,
				"--proxy answers ARP/NDP for host addresses only (/32, /128), not a prefix");
	return 0;
}

/* Step 7: addresses (a bridged or macvtap guest's, for the guard), the
 * routed gateway and proxy uplink. */
static int tb_plan_addresses(const struct tb_policy *pol,
			     const struct tb_who *who, struct tb_plan *p)
{
	struct tb_decision d;

	if (p->kind != TB_PLAN_ROUTED && p->naddrs) {
		tb_policy_decide_addresses(pol, who, p->addrs, p->naddrs, &d);
		if (tb_plan_take(p, &d))
			return -1;
		tb_plan_source(p->addrs_src, sizeof(p->addrs_src), &d);
	}
	if (p->has_gateway) {
		tb_policy_decide_gateway(pol, who, &p->gateway,
					 &p->gateway_shared, &d);
		if (tb_plan_take(p, &d))
			return -1;
		tb_plan_source(p->gateway_src, sizeof(p->gateway_src), &d);
	}
	return p->proxy[0] ? tb_plan_proxy(pol, who, p) : 0;
}

/* Step 8: the deciding rule's guard and router; a guard needs the MAC. */
static int tb_plan_guard(struct tb_plan *p)
{
	const struct tb_rule *r = p->d.by;

	p->guard = r && r->guard;
	p->router = r && r->router;
	tb_plan_source(p->guard_src, sizeof(p->guard_src), &p->d);
	tb_plan_source(p->router_src, sizeof(p->router_src), &p->d);
	if (!p->guard || p->has_mac)
		return 0;
	/* the deciding rule stays named: it is the one asking for the MAC */
	p->d.allow = 0;
	p->err = -EPERM;
	snprintf(
		p->d.reason, sizeof(p->d.reason),
		"%s is guarded by %s (%s): add --mac=MAC, the guest NIC's MAC as given to QEMU",
		p->kind == TB_PLAN_ROUTED ? "this routed tap" : p->dev,
		p->d.rule, p->d.title);
	return -1;
}

void tb_policy_plan(const struct tb_policy *pol, const struct tb_who *who,
		    const struct tb_request *req, struct tb_plan *plan)
{
	struct tb_decision verdict;

	memset(plan, 0, sizeof(*plan));
	if (tb_plan_fields(req, plan) || tb_plan_queues(pol, who, req, plan) ||
	    tb_plan_device(pol, who, req, plan))
		return;
	verdict = plan->d; /* what the other steps grant in its name */
	if (tb_plan_port(pol, who, plan) || tb_plan_mtu(pol, who, plan) ||
	    tb_plan_addresses(pol, who, plan) || tb_plan_guard(plan))
		return;
	plan->d = verdict;
}

static const char *tb_plan_kinds[] = {
	[TB_PLAN_TAP] = "tap",
	[TB_PLAN_MACVTAP] = "macvtap",
	[TB_PLAN_ROUTED] = "routed",
};

/* The prefixes of @a, "10.0.0.5/32,2001:db8::/64". */
static void tb_plan_prefixes(const struct tb_prefix *a, size_t n, char *buf,
			     size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + TB_PREFIX_STR_MAX + 1 < len; i++) {
		if (i)
			buf[used++] = ',';
		tb_prefix_format(&a[i], buf + used, len - used);
		used += strlen(buf + used);
	}
}

/* The grants of an allowed plan, one "key: value" a line. */
static void tb_plan_grants(const struct tb_plan *p, FILE *out)
{
	char list[TB_ADDRS * TB_PREFIX_STR_MAX + 8], mac[TB_MAC_STR_MAX];

	fprintf(out, "kind: %s\n", tb_plan_kinds[p->kind]);
	if (p->kind == TB_PLAN_MACVTAP)
		fprintf(out, "macvtap: %s mode %s\n", p->dev,
			tb_macvtap_mode_name(p->mode));
	else if (p->kind == TB_PLAN_TAP)
		fprintf(out, "bridge: %s\n", p->dev);
	if (p->adopt[0])
		fprintf(out, "adopt: %s, set by %s\n", p->adopt, p->adopt_src);
	if (p->vlans) {
		tb_vlan_format(&p->tagged, list, sizeof(list));
		fprintf(out, "vlans: access %u, trunk %s, set by %s\n",
			p->access, list[0] ? list : "-", p->vlans_src);
	}
	if (p->mtu_ceiling.source[0])
		fprintf(out, "mtu: ceiling %u, set by %s\n",
			p->mtu_ceiling.limit, p->mtu_ceiling.source);
	if (p->naddrs) {
		tb_plan_prefixes(p->addrs, p->naddrs, list, sizeof(list));
		fprintf(out, "addresses: %s, set by %s\n", list, p->addrs_src);
	}
	if (p->kind == TB_PLAN_ROUTED) {
		fprintf(out, "tables:");
		for (size_t i = 0; i < p->ntables; i++)
			fprintf(out, "%s%u", i ? "," : " ", p->tables[i]);
		fprintf(out, " metric %u\n", p->metric);
	}
	if (p->has_gateway) {
		tb_prefix_format(&p->gateway, list, sizeof(list));
		fprintf(out, "gateway: %s%s, set by %s\n", list,
			p->gateway_shared ? " (shared)" : "", p->gateway_src);
	}
	if (p->proxy[0])
		fprintf(out, "proxy: %s\n", p->proxy);
	fprintf(out, "guard: %s, set by %s\n", p->guard ? "yes" : "no",
		p->guard_src);
	fprintf(out, "router: %s, set by %s\n", p->router ? "yes" : "no",
		p->router_src);
	if (p->has_mac) {
		tb_mac_format(p->mac, mac, sizeof(mac));
		fprintf(out, "mac: %s\n", mac);
	}
}

void tb_plan_print(const struct tb_plan *p, FILE *out)
{
	fprintf(out, "%s\nreason: %s\nrule: %s\n",
		p->d.allow ? "allow" : "deny", p->d.reason,
		p->d.rule[0] ? p->d.rule : "(none: default deny)");
	if (!p->d.allow)
		return;
	fprintf(out, "quota: %u tap%s at once, set by %s\n", p->quota.limit,
		p->quota.limit == 1 ? "" : "s", p->quota.source);
	fprintf(out, "queues: at most %u per tap (launcher mode), set by %s\n",
		p->queues.limit, p->queues.source);
	tb_plan_grants(p, out);
}
