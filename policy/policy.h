/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may do what: the policy's plain, validated model and its decisions. */
#ifndef TB_POLICY_H
#define TB_POLICY_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "fields.h"

#define TB_REASON_MAX 512 /* one line, NUL included (== TB_MESSAGE_MAX) */
#define TB_DIAG_MAX 8192 /* all load errors, one per line */

/* The caller as the kernel reported it (SO_PEERCRED, SO_PEERGROUPS). */
struct tb_who {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups */
	size_t ngroups;
	const char *user; /* name for messages, or NULL ("uid N") */
};

struct tb_rule;

struct tb_decision {
	int allow; /* 1 allow, 0 deny */
	char rule[256]; /* "FILE:LINE" of the deciding rule, or "" */
	char title[80]; /* its label: "allow \"lab\"", or "" */
	const struct tb_rule *by; /* the deciding rule, or NULL */
	char reason[TB_REASON_MAX]; /* one line for the user, no newline */
};

/* Load errors: every problem found, each "FILE:LINE: message\n". */
struct tb_diag {
	unsigned count;
	size_t len;
	char text[TB_DIAG_MAX];
};

struct tb_policy;

/**
 * tb_policy_load() - read and validate a policy
 * @config:	tapbroker policy file (libconfuse format), or NULL
 * @qemu_acl:	qemu bridge.conf, or NULL; applies to every user
 * @out:	the policy, to free with tb_policy_free()
 * @diag:	on failure, every error with FILE:LINE
 *
 * At least one of @config and @qemu_acl must be given.  Nothing partial is
 * returned: on any error *@out is NULL.
 *
 * Return: 0, or -EINVAL (bad content) / -errno (file could not be read).
 */
int tb_policy_load(const char *config, const char *qemu_acl,
		   struct tb_policy **out, struct tb_diag *diag);
void tb_policy_free(struct tb_policy *pol);

/* A one-line summary for logs and `check`: "2 rules, 1 qemu ACL line". */
void tb_policy_summary(const struct tb_policy *pol, char *buf, size_t len);

/**
 * tb_policy_decide_bridge() - may @who attach a tap to @bridge?
 *
 * Default deny.  A matching deny wins over any allow.  The reason names the
 * bridge, the user, the deciding rule and, on default deny, what would be
 * allowed.
 */
void tb_policy_decide_bridge(const struct tb_policy *pol,
			     const struct tb_who *who, const char *bridge,
			     struct tb_decision *d);

#define TB_QUOTA_DEFAULT 64 /* leases per user when no rule sets quota */
#define TB_QUOTA_MAX 4096

/* How many leases a user may hold at once, and which rule says so. */
struct tb_quota {
	unsigned int limit;
	char source[300]; /* "FILE:LINE (allow \"lab\")" or "the default" */
};

/**
 * tb_policy_quota() - the most leases @who may hold at once
 *
 * The largest quota among the allow rules that match @who, whatever
 * bridges they grant; TB_QUOTA_DEFAULT when none of them sets one.
 */
void tb_policy_quota(const struct tb_policy *pol, const struct tb_who *who,
		     struct tb_quota *q);

#define TB_QUEUES_DEFAULT 8 /* queues of one tap when no rule sets queues */
#define TB_QUEUES_LIMIT 16 /* == TB_QUEUES_MAX, what the protocol carries */

/* The most queues one tap of @who's may have, and which rule says so. */
struct tb_queues {
	unsigned int limit;
	char source[300]; /* "FILE:LINE (allow \"lab\")" or "the default" */
};

/**
 * tb_policy_queues() - the most queues (and vhost-net fds) of one tap
 *
 * The largest `queues` among the allow rules that match @who;
 * TB_QUEUES_DEFAULT when none of them sets one.
 */
void tb_policy_queues(const struct tb_policy *pol, const struct tb_who *who,
		      struct tb_queues *q);

/* The largest MTU @who may have on a bridge, and which rule says so. */
struct tb_mtu_ceiling {
	unsigned int limit; /* TB_MTU_MAX when no rule sets one */
	char source[300]; /* "FILE:LINE (allow \"lab\")" or "" */
};

/**
 * tb_policy_mtu() - the MTU ceiling for @who on @bridge
 *
 * The largest `mtu` among the allow rules that match @who and grant
 * @bridge; no ceiling (TB_MTU_MAX) when none of them sets one.
 */
void tb_policy_mtu(const struct tb_policy *pol, const struct tb_who *who,
		   const char *bridge, struct tb_mtu_ceiling *m);

/* May @who ask for @mtu on @bridge?  (The bridge's own MTU is checked by
 * the broker, which knows it.)  The same for a macvtap's lower device, and
 * for a routed tap claiming @addr (the rules that hold the address). */
void tb_policy_decide_mtu(const struct tb_policy *pol, const struct tb_who *who,
			  const char *bridge, unsigned int mtu,
			  struct tb_decision *d);
void tb_policy_decide_mtu_lower(const struct tb_policy *pol,
				const struct tb_who *who, const char *lower,
				unsigned int mtu, struct tb_decision *d);
struct tb_prefix;
void tb_policy_mtu_routed(const struct tb_policy *pol, const struct tb_who *who,
			  const struct tb_prefix *addr,
			  struct tb_mtu_ceiling *m);
void tb_policy_decide_mtu_routed(const struct tb_policy *pol,
				 const struct tb_who *who,
				 const struct tb_prefix *addr, unsigned int mtu,
				 struct tb_decision *d);

/**
 * tb_policy_decide_addresses() - may @who claim these addresses?
 *
 * Each must lie in an `addresses` (alias `routed`) prefix of an allow rule
 * matching @who; a matching deny rule whose prefixes overlap one at all
 * (wider or narrower) refuses it.
 */
void tb_policy_decide_addresses(const struct tb_policy *pol,
				const struct tb_who *who,
				const struct tb_prefix *addrs, size_t n,
				struct tb_decision *d);

/**
 * tb_policy_decide_gateway() - may @who have host-side address @gw?
 * @shared:	set to 1 when granted by `gateways` (the same address may
 *		be on several taps), 0 when by `addresses` (exclusive)
 *
 * Within the caller's `addresses` prefixes, or its `gateways`, prefix
 * length included; a deny rule's prefixes refuse it as for addresses.
 */
void tb_policy_decide_gateway(const struct tb_policy *pol,
			      const struct tb_who *who,
			      const struct tb_prefix *gw, int *shared,
			      struct tb_decision *d);

/* macvtap modes, as the kernel and systemd-networkd name them. */
enum tb_macvtap_mode {
	TB_MODE_VEPA = 1, /* the default */
	TB_MODE_BRIDGE,
	TB_MODE_PRIVATE,
	TB_MODE_PASSTHRU,
	TB_MODE_SOURCE,
	TB_MODE_MAX
};

/* "vepa" -> TB_MODE_VEPA; 0 for anything else. */
int tb_macvtap_mode(const char *name);
const char *tb_macvtap_mode_name(int mode);

/**
 * tb_policy_decide_macvtap() - may @who have a macvtap on @lower in @mode?
 *
 * Like bridges: a matching deny rule naming @lower wins, then the first
 * matching allow rule that names @lower and allows @mode (macvtap_modes,
 * default vepa only), else default deny listing what is allowed.
 */
void tb_policy_decide_macvtap(const struct tb_policy *pol,
			      const struct tb_who *who, const char *lower,
			      int mode, struct tb_decision *d);

struct tb_vlan_set;

/**
 * tb_policy_decide_vlan() - may @who have these VLANs on @bridge?
 * @access:	the untagged PVID asked for, or 0
 * @tagged:	the trunk's tagged ids, or NULL
 *
 * The ids allowed are the union of `vlans` of the allow rules that match
 * @who and grant @bridge; a tagged list also needs `trunk = yes` in one.
 */
void tb_policy_decide_vlan(const struct tb_policy *pol,
			   const struct tb_who *who, const char *bridge,
			   unsigned int access,
			   const struct tb_vlan_set *tagged,
			   struct tb_decision *d);

struct tb_prefix;

/* What a routed tap asks for. */
struct tb_routed_ask {
	const struct tb_prefix *addrs; /* the addresses the VM claims */
	size_t naddrs;
	const uint32_t *tables; /* none: main */
	size_t ntables;
	int has_metric;
	uint32_t metric;
};

/**
 * tb_policy_decide_routed() - may @who claim these addresses, tables, metric?
 * @metric:	set to the metric to use (asked for, or the lowest allowed)
 *
 * Each address must lie in a `routed` prefix of an allow rule matching @who;
 * each table in the `tables` of such a rule (none set: main only); the
 * metric in the `metrics` range of such a rule (none set: any, 1024 by
 * default).  Deny rules with `routed` prefixes deny the addresses in them.
 */
void tb_policy_decide_routed(const struct tb_policy *pol,
			     const struct tb_who *who,
			     const struct tb_routed_ask *ask, uint32_t *metric,
			     struct tb_decision *d);

/**
 * tb_policy_decide_proxy() - may @who have proxy ARP/NDP entries on @uplink?
 *
 * For each of the @n addresses, an allow rule matching @who must hold it
 * in its `routed` prefixes and name @uplink in its `proxy` list; a matching
 * deny rule naming @uplink in `proxy` denies.
 */
void tb_policy_decide_proxy(const struct tb_policy *pol,
			    const struct tb_who *who, const char *uplink,
			    const struct tb_prefix *addrs, size_t n,
			    struct tb_decision *d);

/**
 * tb_policy_decide_adopt() - may @who adopt the pre-made tap @ifname?
 *
 * Only if an allow rule matching @who names it in `adopt` and no matching
 * deny rule does.  (That the tap is not another uid's is the broker's
 * check: it reads the tun owner from the kernel.)
 */
void tb_policy_decide_adopt(const struct tb_policy *pol,
			    const struct tb_who *who, const char *ifname,
			    struct tb_decision *d);

#define TB_POOL_DEFAULT 4 /* warm taps per bridge when "pool" is not set */
#define TB_POOL_MAX 64
#define TB_POOL_BRIDGES_MAX 64 /* bridges that get a pool */

unsigned int tb_policy_pool(const struct tb_policy *pol,
			    char (*bridges)[IFNAMSIZ], size_t max, size_t *n);

/* @who's user name for a message, or "uid N" when it has none. */
const char *tb_who_name(const struct tb_who *who, char *buf, size_t len);

/* May @who list and release leases?  root, or a member of admin_groups. */
int tb_policy_is_admin(const struct tb_policy *pol, const struct tb_who *who);

/* ---- the plan: everything decided about one request ------------------ */

#include <net/if.h>

#include "prefix.h"
#include "vlan.h"

#include "proto.h"

enum tb_plan_kind {
	TB_PLAN_TAP, /* a tap in a bridge (made, or adopted) */
	TB_PLAN_MACVTAP, /* a macvtap on a lower device */
	TB_PLAN_ROUTED, /* a tap with host routes, in no bridge */
};

/* A grant and the rule that set it: "FILE:LINE (allow \"lab\")". */
#define TB_SOURCE_MAX 352 /* rule (256) + title (80) + " ()" */

/**
 * struct tb_plan - one request, decided: what the broker carries out and
 * `tapbroker explain` prints.  Computed from (policy, caller, request)
 * alone, before any kernel lookup; every grant names its rule.
 */
struct tb_plan {
	struct tb_decision d; /* verdict, deciding rule, reason */
	int err; /* refused: -EINVAL (malformed) or -EPERM (policy) */
	enum tb_plan_kind kind;
	char dev[IFNAMSIZ]; /* the bridge, or the macvtap's lower device */
	int mode; /* macvtap mode */
	char adopt[IFNAMSIZ]; /* a pre-made tap to take, or "" */
	char adopt_src[TB_SOURCE_MAX];
	int vlans; /* 1: the port's VLANs are set (access and/or trunk) */
	unsigned int access; /* untagged PVID, or 0 */
	struct tb_vlan_set tagged; /* trunk */
	char vlans_src[TB_SOURCE_MAX];
	unsigned int mtu; /* asked for; 0: the device's, within the ceiling */
	struct tb_mtu_ceiling mtu_ceiling;
	struct tb_prefix addrs[TB_ADDRS]; /* routed, or the guard's */
	size_t naddrs;
	char addrs_src[TB_SOURCE_MAX];
	uint32_t tables[TB_TABLES]; /* routed: where the routes go */
	size_t ntables;
	uint32_t metric; /* routed: the routes' metric */
	struct tb_prefix gateway; /* routed: host-side address on the tap */
	int has_gateway;
	int gateway_shared; /* 1: from `gateways`, may be on other taps */
	char gateway_src[TB_SOURCE_MAX];
	char proxy[IFNAMSIZ]; /* routed: proxy ARP/NDP uplink, or "" */
	struct tb_quota quota; /* ceiling; the broker counts the leases */
	struct tb_queues queues; /* ceiling of one tap's queues */
	int guard; /* 1: guarded port (needs the guest's MAC) */
	char guard_src[TB_SOURCE_MAX];
	int router; /* 1: the guest may act as a router */
	char router_src[TB_SOURCE_MAX];
	uint8_t mac[6]; /* the guest's MAC, if has_mac */
	int has_mac;
};

/**
 * tb_policy_plan() - decide @req for @who, once
 *
 * The checks run in one fixed order: the request's own fields (names,
 * numbers, lists); the queues ceiling; the device (bridge, macvtap lower
 * device and mode, or routed addresses); adopt; VLANs; MTU; addresses,
 * gateway, tables, metric and proxy; the guard's MAC.  The first refusal
 * ends the plan with its reason.
 */
void tb_policy_plan(const struct tb_policy *pol, const struct tb_who *who,
		    const struct tb_request *req, struct tb_plan *plan);

/* Prints @plan as `tapbroker explain` shows it, one "key: value" a line. */
void tb_plan_print(const struct tb_plan *plan, FILE *out);

/* Appends one "FILE:LINE: message" line to @diag (printf-style). */
void tb_diag_add(struct tb_diag *diag, const char *file, int line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- grants: what the allow rules hand out, for `tapbroker doctor` ---- */

enum tb_grant_kind {
	TB_GRANT_BRIDGE, /* @name: a bridge its users may join */
	TB_GRANT_LOWER, /* @name: a macvtap lower device, @modes */
	TB_GRANT_PREFIX, /* @prefix: addresses a routed tap may claim */
	TB_GRANT_TABLE, /* @table: a route table for routed taps */
	TB_GRANT_PROXY, /* @name: an uplink for proxy ARP/NDP */
};

/* One thing an allow rule grants, and the rule ("FILE:LINE"). */
struct tb_grant {
	enum tb_grant_kind kind;
	const char *name;
	unsigned int modes; /* 1 << enum tb_macvtap_mode */
	const struct tb_prefix *prefix;
	uint32_t table;
	const char *file;
	int line;
};

typedef void (*tb_grant_fn)(void *arg, const struct tb_grant *g);

/**
 * tb_policy_grants() - call @fn for everything every allow rule grants
 *
 * Deny rules are left out; so are qemu ACL `allow all` lines (no name).
 * A rule with routed prefixes and no `tables` grants table main (254).
 */
void tb_policy_grants(const struct tb_policy *pol, tb_grant_fn fn, void *arg);

#endif
