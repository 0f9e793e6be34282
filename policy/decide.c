// SPDX-License-Identifier: GPL-2.0-or-later
/* Deciding a request against the policy, and saying why in one line. */
#include "policy_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int tb_rule_has_gid(const struct tb_rule *r, gid_t gid)
{
	for (size_t i = 0; i < r->ngids; i++)
		if (r->gids[i] == gid)
			return 1;
	return 0;
}

static int tb_has_uid(const uid_t *uids, size_t n, uid_t uid)
{
	for (size_t i = 0; i < n; i++)
		if (uids[i] == uid)
			return 1;
	return 0;
}

/*
 * Does @r apply to @who?  By uid; or by a group the process has (primary
 * gid or a supplementary group, as the kernel reports them).  A caller
 * can drop groups (setgroups() in its own user namespace) but never gain
 * one, so for a deny rule a group also matches when the group database
 * lists the user in it (its members, resolved when the policy was loaded:
 * tb_rule_members()).
 */
int tb_rule_matches(const struct tb_rule *r, const struct tb_who *who)
{
	if (r->any_user || tb_has_uid(r->uids, r->nuids, who->uid))
		return 1;
	if (tb_rule_has_gid(r, who->gid))
		return 1;
	for (size_t i = 0; i < who->ngroups; i++)
		if (tb_rule_has_gid(r, who->groups[i]))
			return 1;
	return r->deny && tb_has_uid(r->members, r->nmembers, who->uid);
}

int tb_rule_names(const struct tb_rule *r, const char *bridge)
{
	if (r->all_bridges)
		return 1;
	for (size_t i = 0; i < r->nbridges; i++)
		if (!strcmp(r->bridges[i], bridge))
			return 1;
	return 0;
}

static int tb_rule_has_lower(const struct tb_rule *r, const char *lower)
{
	for (size_t i = 0; i < r->nlowers; i++)
		if (!strcmp(r->lowers[i], lower))
			return 1;
	return 0;
}

/* "allow \"lab\"" for a policy rule, "deny br9" for a qemu ACL line. */
static void tb_rule_label(const struct tb_rule *r, char *buf, size_t len)
{
	const char *verb = r->deny ? "deny" : "allow";

	if (r->origin == TB_ORIGIN_CONF)
		snprintf(buf, len, "%s \"%s\"", verb, r->title);
	else
		snprintf(buf, len, "%s %s", verb,
			 r->all_bridges ? "all" : r->bridges[0]);
}

/* @who's user name for a message, or "uid N" when it has none. */
const char *tb_who_name(const struct tb_who *who, char *buf, size_t len)
{
	if (who->user && who->user[0])
		snprintf(buf, len, "%s", who->user);
	else
		snprintf(buf, len, "uid %u", (unsigned int)who->uid);
	return buf;
}

static void tb_decide(struct tb_decision *d, int allow, const struct tb_rule *r,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void tb_decide(struct tb_decision *d, int allow, const struct tb_rule *r,
		      const char *fmt, ...)
{
	va_list ap;

	d->allow = allow;
	d->by = r;
	d->title[0] = '\0';
	if (r) {
		snprintf(d->rule, sizeof(d->rule), "%s:%d", r->file, r->line);
		tb_rule_label(r, d->title, sizeof(d->title));
	} else {
		d->rule[0] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* Is @bridge denied to @who by some rule? */
static int tb_denied(const struct tb_policy *pol, const struct tb_who *who,
		     const char *bridge)
{
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny && tb_rule_matches(r, who) &&
		    tb_rule_names(r, bridge))
			return 1;
	}
	return 0;
}

static int tb_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || (p - list >= 2 && p[-2] == ',')) &&
		    (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/*
 * The bridges @who could get, "br0, br1", cut with "..." when long: what
 * a denied user needs to know to ask for the right thing.
 */
static void tb_allowed_list(const struct tb_policy *pol,
			    const struct tb_who *who, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny || !tb_rule_matches(r, who))
			continue;
		for (size_t j = 0; j < r->nbridges; j++) {
			const char *b = r->bridges[j];

			if (tb_listed(buf, b) || tb_denied(pol, who, b))
				continue;
			if (used + 2 + strlen(b) + 6 > len) { /* keep ", ..." */
				snprintf(buf + used, len - used, "%s...",
					 used ? ", " : "");
				return;
			}
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? ", " : "", b);
		}
	}
}

/* Default deny: name the policy and what this user may have instead. */
static void tb_default_deny(const struct tb_policy *pol,
			    const struct tb_who *who, const char *bridge,
			    const char *user, struct tb_decision *d)
{
	const char *src = pol->config ? pol->config : pol->qemu_acl;
	char list[300];

	tb_allowed_list(pol, who, list, sizeof(list));
	if (list[0])
		tb_decide(
			d, 0, NULL,
			"bridge %s is not allowed for user %s by %s (allowed: %s); add it to an allow rule to grant it",
			bridge, user, src, list);
	else
		tb_decide(
			d, 0, NULL,
			"bridge %s is not allowed for user %s by %s (no rule grants user %s any bridge)",
			bridge, user, src, user);
}

/*
 * Precedence: a matching deny rule wins over any allow, wherever either
 * stands (qemu's meaning, kept for the whole policy); among matching allow
 * rules the first in file order is named.  No match: default deny.
 */
void tb_policy_decide_bridge(const struct tb_policy *pol,
			     const struct tb_who *who, const char *bridge,
			     struct tb_decision *d)
{
	const struct tb_rule *allow = NULL;
	char user[64], label[TB_TITLE_MAX + 16];

	tb_who_name(who, user, sizeof(user));
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (!tb_rule_matches(r, who) || !tb_rule_names(r, bridge))
			continue;
		if (!r->deny) {
			allow = allow ? allow : r;
			continue;
		}
		tb_rule_label(r, label, sizeof(label));
		if (r->origin == TB_ORIGIN_QEMU)
			tb_decide(d, 0, r, "bridge %s is denied by %s:%d (%s)",
				  bridge, r->file, r->line, label);
		else
			tb_decide(
				d, 0, r,
				"bridge %s is denied to user %s by %s:%d (%s)",
				bridge, user, r->file, r->line, label);
		return;
	}
	if (!allow) {
		tb_default_deny(pol, who, bridge, user, d);
		return;
	}
	tb_rule_label(allow, label, sizeof(label));
	tb_decide(d, 1, allow, "bridge %s allowed for user %s by %s:%d (%s)",
		  bridge, user, allow->file, allow->line, label);
}

/* The largest int at @off in the allow rules matching @who that set it
 * (>= 0), and its rule; @dflt, "the default", when none does. */
static void tb_largest(const struct tb_policy *pol, const struct tb_who *who,
		       size_t off, unsigned int dflt, unsigned int *limit,
		       char *source, size_t srclen)
{
	const struct tb_rule *best = NULL;
	int v, top = -1;

	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		memcpy(&v, (const char *)r + off, sizeof(v));
		if (r->deny || v < 0 || !tb_rule_matches(r, who) || v <= top)
			continue;
		best = r;
		top = v;
	}
	if (!best) {
		*limit = dflt;
		snprintf(source, srclen, "the default");
		return;
	}
	*limit = (unsigned int)top;
	snprintf(source, srclen, "%s:%d (allow \"%s\")", best->file, best->line,
		 best->title);
}

void tb_policy_quota(const struct tb_policy *pol, const struct tb_who *who,
		     struct tb_quota *q)
{
	tb_largest(pol, who, offsetof(struct tb_rule, quota), TB_QUOTA_DEFAULT,
		   &q->limit, q->source, sizeof(q->source));
}

void tb_policy_queues(const struct tb_policy *pol, const struct tb_who *who,
		      struct tb_queues *q)
{
	tb_largest(pol, who, offsetof(struct tb_rule, queues),
		   TB_QUEUES_DEFAULT, &q->limit, q->source, sizeof(q->source));
}

int tb_policy_is_admin(const struct tb_policy *pol, const struct tb_who *who)
{
	if (who->uid == 0)
		return 1;
	for (size_t i = 0; i < pol->nadmin; i++) {
		if (pol->admin_gids[i] == who->gid)
			return 1;
		for (size_t j = 0; j < who->ngroups; j++)
			if (pol->admin_gids[i] == who->groups[j])
				return 1;
	}
	return 0;
}

/* The allow rule matching @who with the largest `mtu` that grants @dev
 * (a bridge or lower device) or, with @dev NULL, holds @addr. */
static const struct tb_rule *tb_mtu_rule(const struct tb_policy *pol,
					 const struct tb_who *who,
					 const char *dev,
					 const struct tb_prefix *addr)
{
	const struct tb_rule *best = NULL;

	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny || r->mtu < 0 || !tb_rule_matches(r, who))
			continue;
		if (dev ? !tb_rule_names(r, dev) && !tb_rule_has_lower(r, dev)
			: !tb_rule_has_prefix(r, addr))
			continue;
		if (!best || r->mtu > best->mtu)
			best = r;
	}
	return best;
}

static void tb_mtu_ceiling_of(const struct tb_rule *best,
			      struct tb_mtu_ceiling *m)
{
	m->limit = best ? (unsigned int)best->mtu : TB_MTU_MAX;
	if (best)
		snprintf(m->source, sizeof(m->source), "%s:%d (allow \"%s\")",
			 best->file, best->line, best->title);
	else
		m->source[0] = '\0';
}

void tb_policy_mtu(const struct tb_policy *pol, const struct tb_who *who,
		   const char *dev, struct tb_mtu_ceiling *m)
{
	tb_mtu_ceiling_of(tb_mtu_rule(pol, who, dev, NULL), m);
}

void tb_policy_mtu_routed(const struct tb_policy *pol, const struct tb_who *who,
			  const struct tb_prefix *addr,
			  struct tb_mtu_ceiling *m)
{
	tb_mtu_ceiling_of(tb_mtu_rule(pol, who, NULL, addr), m);
}

/* @mtu against rule @r's ceiling; @what names the device. */
static void tb_mtu_decide(const struct tb_rule *r, const char *what,
			  unsigned int mtu, struct tb_decision *d)
{
	if (!r)
		tb_decide(d, 1, NULL, "MTU %u on %s: no ceiling applies", mtu,
			  what);
	else if (mtu <= (unsigned int)r->mtu)
		tb_decide(
			d, 1, r,
			"MTU %u on %s is within the ceiling of %d set by %s:%d (allow \"%s\")",
			mtu, what, r->mtu, r->file, r->line, r->title);
	else
		tb_decide(
			d, 0, r,
			"MTU %u on %s is above the ceiling of %d set by %s:%d (allow \"%s\"); ask for at most %d",
			mtu, what, r->mtu, r->file, r->line, r->title, r->mtu);
}

void tb_policy_decide_mtu(const struct tb_policy *pol, const struct tb_who *who,
			  const char *dev, unsigned int mtu,
			  struct tb_decision *d)
{
	char what[IFNAMSIZ + 16];

	snprintf(what, sizeof(what), "bridge %s", dev);
	tb_mtu_decide(tb_mtu_rule(pol, who, dev, NULL), what, mtu, d);
}

void tb_policy_decide_mtu_lower(const struct tb_policy *pol,
				const struct tb_who *who, const char *lower,
				unsigned int mtu, struct tb_decision *d)
{
	char what[IFNAMSIZ + 24];

	snprintf(what, sizeof(what), "lower device %s", lower);
	tb_mtu_decide(tb_mtu_rule(pol, who, lower, NULL), what, mtu, d);
}

void tb_policy_decide_mtu_routed(const struct tb_policy *pol,
				 const struct tb_who *who,
				 const struct tb_prefix *addr, unsigned int mtu,
				 struct tb_decision *d)
{
	tb_mtu_decide(tb_mtu_rule(pol, who, NULL, addr), "a routed tap", mtu,
		      d);
}

static const char *const tb_mode_names[TB_MODE_MAX] = {
	[TB_MODE_VEPA] = "vepa",       [TB_MODE_BRIDGE] = "bridge",
	[TB_MODE_PRIVATE] = "private", [TB_MODE_PASSTHRU] = "passthru",
	[TB_MODE_SOURCE] = "source",
};

int tb_macvtap_mode(const char *name)
{
	for (int m = 1; m < TB_MODE_MAX; m++)
		if (!strcmp(name, tb_mode_names[m]))
			return m;
	return 0;
}

const char *tb_macvtap_mode_name(int mode)
{
	return mode > 0 && mode < TB_MODE_MAX ? tb_mode_names[mode] : "?";
}

static void tb_modes_list(unsigned int modes, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int m = 1; m < TB_MODE_MAX; m++)
		if (modes & (1u << m))
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? ", " : "",
						 tb_mode_names[m]);
}

/* The lower devices @who may use, for a denial message. */
static void tb_lowers_list(const struct tb_policy *pol,
			   const struct tb_who *who, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		for (size_t j = 0; !r->deny && tb_rule_matches(r, who) &&
				   j < r->nlowers && used + IFNAMSIZ + 6 < len;
		     j++)
			if (!tb_listed(buf, r->lowers[j]))
				used += (size_t)snprintf(
					buf + used, len - used, "%s%s",
					used ? ", " : "", r->lowers[j]);
	}
}

void tb_policy_decide_macvtap(const struct tb_policy *pol,
			      const struct tb_who *who, const char *lower,
			      int mode, struct tb_decision *d)
{
	const struct tb_rule *allow = NULL, *mode_miss = NULL;
	const char *m = tb_macvtap_mode_name(mode);
	char user[64], list[300];

	tb_who_name(who, user, sizeof(user));
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (!tb_rule_matches(r, who) || !tb_rule_has_lower(r, lower))
			continue;
		if (r->deny) {
			tb_decide(
				d, 0, r,
				"macvtap on %s is denied to user %s by %s:%d (deny \"%s\")",
				lower, user, r->file, r->line, r->title);
			return;
		}
		if (r->modes & (1u << mode))
			allow = allow ? allow : r;
		else
			mode_miss = mode_miss ? mode_miss : r;
	}
	if (allow) {
		tb_decide(
			d, 1, allow,
			"macvtap on %s in %s mode allowed for user %s by %s:%d (allow \"%s\")",
			lower, m, user, allow->file, allow->line, allow->title);
	} else if (mode_miss) {
		tb_modes_list(mode_miss->modes, list, sizeof(list));
		tb_decide(
			d, 0, mode_miss,
			"macvtap mode %s on %s is not allowed for user %s by %s:%d (allow \"%s\" allows: %s)",
			m, lower, user, mode_miss->file, mode_miss->line,
			mode_miss->title, list);
	} else {
		tb_lowers_list(pol, who, list, sizeof(list));
		tb_decide(
			d, 0, NULL,
			"macvtap on %s is not allowed for user %s by %s (%s%s)",
			lower, user, pol->config ? pol->config : pol->qemu_acl,
			list[0] ? "allowed lower devices: "
				: "no rule grants a macvtap",
			list);
	}
}

/* Union of the VLANs granted on @bridge to @who; the first rule giving any. */
static const struct tb_rule *
tb_vlans_granted(const struct tb_policy *pol, const struct tb_who *who,
		 const char *bridge, struct tb_vlan_set *set, int *trunk)
{
	const struct tb_rule *first = NULL;

	memset(set, 0, sizeof(*set));
	*trunk = 0;
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny || !r->vlans || !tb_rule_matches(r, who) ||
		    !tb_rule_names(r, bridge))
			continue;
		for (size_t b = 0; b < sizeof(set->bits); b++)
			set->bits[b] |= r->vlans->bits[b];
		*trunk |= r->trunk;
		first = first ? first : r;
	}
	return first;
}

void tb_policy_decide_vlan(const struct tb_policy *pol,
			   const struct tb_who *who, const char *bridge,
			   unsigned int access,
			   const struct tb_vlan_set *tagged,
			   struct tb_decision *d)
{
	const char *src = pol->config ? pol->config : pol->qemu_acl;
	struct tb_vlan_set set;
	const struct tb_rule *r;
	char user[64], list[200];
	unsigned int bad = 0;
	int trunk;

	tb_who_name(who, user, sizeof(user));
	r = tb_vlans_granted(pol, who, bridge, &set, &trunk);
	tb_vlan_format(&set, list, sizeof(list));
	if (!r)
		tb_decide(
			d, 0, NULL,
			"VLANs on bridge %s are not granted to user %s by %s (add vlans = { ... } to an allow rule for %s)",
			bridge, user, src, bridge);
	else if (access && !tb_vlan_has(&set, access))
		tb_decide(
			d, 0, NULL,
			"VLAN %u on bridge %s is not allowed for user %s by %s (allowed VLANs: %s)",
			access, bridge, user, src, list);
	else if (tagged && !tb_vlan_empty(tagged) && !trunk)
		tb_decide(
			d, 0, r,
			"a VLAN trunk on bridge %s is not allowed for user %s by %s:%d (allow \"%s\"): no matching rule sets trunk = yes",
			bridge, user, r->file, r->line, r->title);
	else if (tagged && !tb_vlan_subset(tagged, &set, &bad))
		tb_decide(
			d, 0, NULL,
			"VLAN %u of the trunk on bridge %s is not allowed for user %s by %s (allowed VLANs: %s)",
			bad, bridge, user, src, list);
	else
		tb_decide(
			d, 1, r,
			"VLANs on bridge %s allowed for user %s by %s:%d (allow \"%s\")",
			bridge, user, r->file, r->line, r->title);
}

int tb_rule_has_prefix(const struct tb_rule *r, const struct tb_prefix *p)
{
	for (size_t i = 0; i < r->nprefixes; i++)
		if (tb_prefix_contains(&r->prefixes[i], p))
			return 1;
	return 0;
}

static int tb_rule_has_table(const struct tb_rule *r, uint32_t t)
{
	if (!r->ntables)
		return t == TB_TABLE_MAIN; /* no tables key: main only */
	for (size_t i = 0; i < r->ntables; i++)
		if (r->tables[i] == t)
			return 1;
	return 0;
}

/* Does any of @r's prefixes overlap @p at all (wider or narrower)? */
static int tb_rule_overlaps(const struct tb_rule *r, const struct tb_prefix *p)
{
	for (size_t i = 0; i < r->nprefixes; i++)
		if (tb_prefix_overlap(&r->prefixes[i], p))
			return 1;
	return 0;
}

/*
 * The first rule matching @who, of @deny kind, that covers @p: an allow
 * rule holds all of it in one prefix; a deny rule overlaps any of it, so
 * a wider prefix never slips a denied address through.
 */
static const struct tb_rule *tb_routed_rule(const struct tb_policy *pol,
					    const struct tb_who *who,
					    const struct tb_prefix *p, int deny)
{
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny != deny || !tb_rule_matches(r, who))
			continue;
		if (deny ? tb_rule_overlaps(r, p) : tb_rule_has_prefix(r, p))
			return r;
	}
	return NULL;
}

/* Is the ask's table @t and metric allowed by some rule holding @p? */
static const struct tb_rule *tb_routed_fits(const struct tb_policy *pol,
					    const struct tb_who *who,
					    const struct tb_prefix *p,
					    uint32_t t, uint32_t metric)
{
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (!r->deny && tb_rule_matches(r, who) &&
		    tb_rule_has_prefix(r, p) && tb_rule_has_table(r, t) &&
		    (!r->has_metrics ||
		     (metric >= r->metric_lo && metric <= r->metric_hi)))
			return r;
	}
	return NULL;
}

/* Is @p within @r's `gateways`? */
static int tb_rule_has_gateway(const struct tb_rule *r,
			       const struct tb_prefix *p)
{
	for (size_t i = 0; i < r->ngateways; i++)
		if (tb_prefix_contains(&r->gateways[i], p))
			return 1;
	return 0;
}

/* Address @a: refused by an overlapping deny, else the allow holding it. */
static const struct tb_rule *tb_address_rule(const struct tb_policy *pol,
					     const struct tb_who *who,
					     const struct tb_prefix *a,
					     struct tb_decision *d)
{
	const struct tb_rule *r;
	char user[64], p[TB_PREFIX_STR_MAX];

	tb_who_name(who, user, sizeof(user));
	tb_prefix_format(a, p, sizeof(p));
	if ((r = tb_routed_rule(pol, who, a, 1))) {
		tb_decide(
			d, 0, r,
			"address %s is denied to user %s by %s:%d (deny \"%s\")",
			p, user, r->file, r->line, r->title);
		return NULL;
	}
	if (!(r = tb_routed_rule(pol, who, a, 0)))
		tb_decide(
			d, 0, NULL,
			"address %s is not in a routed prefix granted to user %s by %s",
			p, user, pol->config ? pol->config : "the policy");
	return r;
}

void tb_policy_decide_addresses(const struct tb_policy *pol,
				const struct tb_who *who,
				const struct tb_prefix *addrs, size_t n,
				struct tb_decision *d)
{
	const struct tb_rule *r = NULL;
	char user[64];

	for (size_t i = 0; i < n; i++)
		if (!(r = tb_address_rule(pol, who, &addrs[i], d)))
			return;
	if (!r) {
		tb_decide(d, 0, NULL, "no address given");
		return;
	}
	tb_decide(d, 1, r,
		  "addresses allowed for user %s by %s:%d (allow \"%s\")",
		  tb_who_name(who, user, sizeof(user)), r->file, r->line,
		  r->title);
}

void tb_policy_decide_gateway(const struct tb_policy *pol,
			      const struct tb_who *who,
			      const struct tb_prefix *gw, int *shared,
			      struct tb_decision *d)
{
	const struct tb_rule *r = tb_routed_rule(pol, who, gw, 1);
	char user[64], p[TB_PREFIX_STR_MAX];

	tb_who_name(who, user, sizeof(user));
	tb_prefix_format(gw, p, sizeof(p));
	*shared = 0;
	if (r) {
		tb_decide(
			d, 0, r,
			"gateway %s is denied to user %s by %s:%d (deny \"%s\")",
			p, user, r->file, r->line, r->title);
		return;
	}
	if ((r = tb_routed_rule(pol, who, gw, 0))) {
		tb_decide(
			d, 1, r,
			"gateway %s allowed for user %s by %s:%d (allow \"%s\")",
			p, user, r->file, r->line, r->title);
		return;
	}
	for (size_t i = 0; i < pol->nrules; i++) {
		r = &pol->rules[i];
		if (r->deny || !tb_rule_matches(r, who) ||
		    !tb_rule_has_gateway(r, gw))
			continue;
		*shared = 1;
		tb_decide(
			d, 1, r,
			"gateway %s allowed for user %s by %s:%d (allow \"%s\": gateways)",
			p, user, r->file, r->line, r->title);
		return;
	}
	tb_decide(
		d, 0, NULL,
		"gateway %s is not within the addresses or gateways granted to user %s by %s (prefix length included; add it to gateways = { ... } of an allow rule)",
		p, user, pol->config ? pol->config : "the policy");
}

void tb_policy_decide_routed(const struct tb_policy *pol,
			     const struct tb_who *who,
			     const struct tb_routed_ask *ask, uint32_t *metric,
			     struct tb_decision *d)
{
	static const uint32_t main_table = TB_TABLE_MAIN;
	const uint32_t *tables = ask->ntables ? ask->tables : &main_table;
	size_t nt = ask->ntables ? ask->ntables : 1;
	const struct tb_rule *r = NULL;
	char user[64], p[TB_PREFIX_STR_MAX];

	tb_who_name(who, user, sizeof(user));
	for (size_t i = 0; i < ask->naddrs; i++) {
		const struct tb_prefix *a = &ask->addrs[i];

		if (!(r = tb_address_rule(pol, who, a, d)))
			return;
		tb_prefix_format(a, p, sizeof(p));
		*metric = ask->has_metric  ? ask->metric
			  : r->has_metrics ? r->metric_lo
					   : TB_METRIC_DEFAULT;
		for (size_t t = 0; t < nt; t++)
			if (!tb_routed_fits(pol, who, a, tables[t], *metric)) {
				tb_decide(
					d, 0, r,
					"address %s in table %u with metric %u is not allowed for user %s by %s:%d (allow \"%s\": tables and metrics)",
					p, tables[t], *metric, user, r->file,
					r->line, r->title);
				return;
			}
	}
	if (!r) {
		tb_decide(d, 0, NULL,
			  "routed mode needs at least one --address");
		return;
	}
	tb_decide(d, 1, r,
		  "addresses allowed for user %s by %s:%d (allow \"%s\")", user,
		  r->file, r->line, r->title);
}

static int tb_rule_adopts(const struct tb_rule *r, const char *ifname)
{
	for (size_t i = 0; i < r->nadopts; i++)
		if (!strcmp(r->adopts[i], ifname))
			return 1;
	return 0;
}

void tb_policy_decide_adopt(const struct tb_policy *pol,
			    const struct tb_who *who, const char *ifname,
			    struct tb_decision *d)
{
	const struct tb_rule *allow = NULL;
	char user[64];

	tb_who_name(who, user, sizeof(user));
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (!tb_rule_matches(r, who) || !tb_rule_adopts(r, ifname))
			continue;
		if (r->deny) {
			tb_decide(
				d, 0, r,
				"adopting %s is denied to user %s by %s:%d (deny \"%s\")",
				ifname, user, r->file, r->line, r->title);
			return;
		}
		allow = allow ? allow : r;
	}
	if (allow)
		tb_decide(
			d, 1, allow,
			"adopting %s allowed for user %s by %s:%d (allow \"%s\")",
			ifname, user, allow->file, allow->line, allow->title);
	else
		tb_decide(
			d, 0, NULL,
			"adopting %s is not allowed for user %s by %s (name it in adopt = { ... } of an allow rule)",
			ifname, user,
			pol->config ? pol->config : pol->qemu_acl);
}

static int tb_rule_proxies(const struct tb_rule *r, const char *uplink)
{
	for (size_t i = 0; i < r->nproxies; i++)
		if (!strcmp(r->proxies[i], uplink))
			return 1;
	return 0;
}

void tb_policy_decide_proxy(const struct tb_policy *pol,
			    const struct tb_who *who, const char *uplink,
			    const struct tb_prefix *addrs, size_t n,
			    struct tb_decision *d)
{
	const struct tb_rule *allow = NULL;
	char user[64], p[TB_PREFIX_STR_MAX];

	tb_who_name(who, user, sizeof(user));
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (!r->deny || !tb_rule_matches(r, who) ||
		    !tb_rule_proxies(r, uplink))
			continue;
		tb_decide(
			d, 0, r,
			"proxy ARP/NDP on %s is denied to user %s by %s:%d (deny \"%s\")",
			uplink, user, r->file, r->line, r->title);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		allow = NULL;
		for (size_t i = 0; i < pol->nrules && !allow; i++) {
			const struct tb_rule *r = &pol->rules[i];

			if (!r->deny && tb_rule_matches(r, who) &&
			    tb_rule_has_prefix(r, &addrs[k]) &&
			    tb_rule_proxies(r, uplink))
				allow = r;
		}
		if (allow)
			continue;
		tb_prefix_format(&addrs[k], p, sizeof(p));
		tb_decide(
			d, 0, NULL,
			"proxy ARP/NDP on %s for %s is not allowed for user %s by %s (name %s in proxy = { ... } of the allow rule that grants the address)",
			uplink, p, user,
			pol->config ? pol->config : "the policy", uplink);
		return;
	}
	if (!allow) {
		tb_decide(d, 0, NULL, "proxy ARP/NDP needs an address");
		return;
	}
	tb_decide(
		d, 1, allow,
		"proxy ARP/NDP on %s allowed for user %s by %s:%d (allow \"%s\")",
		uplink, user, allow->file, allow->line, allow->title);
}
