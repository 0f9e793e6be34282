/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tapbroker doctor`: read-only checks of what breaks VM networking. */
#ifndef TB_DOCTOR_H
#define TB_DOCTOR_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netlink_dump.h"
#include "policy.h"

enum tb_sev { TB_SEV_INFO, TB_SEV_WARNING, TB_SEV_ERROR };

#define TB_DOC_TEXT_MAX 512

/* One finding: what is wrong with which object, and the command fixing it. */
struct tb_finding {
	enum tb_sev sev;
	char check[24];
	char object[80];
	char message[TB_DOC_TEXT_MAX];
	char fix[TB_DOC_TEXT_MAX];
};

/* A granted name (bridge, lower device, proxy uplink) and its rule. */
struct tb_doc_name {
	char name[IFNAMSIZ];
	unsigned int modes; /* lower devices: union of the modes granted */
	char rule[280]; /* "FILE:LINE" */
};

/* What the policy grants, gathered once (tb_policy_grants()). */
struct tb_doc_grants {
	struct tb_doc_name *bridges, *lowers, *proxies;
	size_t nbridges, nlowers, nproxies;
	struct tb_prefix *prefixes;
	size_t nprefixes;
	int routed4, routed6; /* IPv4 / IPv6 routed prefixes granted */
	int error; /* -ENOMEM while gathering */
};

enum tb_doc_kind { TB_DOC_TAP, TB_DOC_ROUTED, TB_DOC_MACVTAP, TB_DOC_ADOPTED };

/* A tapbroker lease as its interface's ifalias records it (lease.c). */
struct tb_doc_lease {
	enum tb_doc_kind kind;
	unsigned int uid;
	int vm;
	int has_start;
	unsigned long long start;
	char bridge[IFNAMSIZ]; /* bridge, or a macvtap's lower device */
	char proxy[IFNAMSIZ];
};

struct tb_doctor {
	struct tb_dump dump;
	struct tb_policy *pol; /* NULL: the checks needing it are skipped */
	struct tb_doc_grants grants;
	int root; /* euid 0 */
	int oom; /* a finding could not be kept: exit 2 */
	struct tb_finding *findings;
	size_t nfindings, cap;
};

/* doctor.c */
void tb_doc_add(struct tb_doctor *d, enum tb_sev sev, const char *check,
		const char *object, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void tb_doc_skip(struct tb_doctor *d, const char *check, const char *why);
int tb_doc_sysctl(const char *path, int *val);
int tb_doc_if_sysctl(const char *proto, const char *ifname, const char *key,
		     int *val);
int tb_doc_lease(const char *alias, struct tb_doc_lease *l);
int tb_doc_in_use(const struct tb_doctor *d, const char *bridge);
int tb_doctor_main(int argc, char **argv);

/* doctor_links.c: bridges, taps, macvtaps, leases. */
void tb_doc_links(struct tb_doctor *d);

/* doctor_routes.c: forwarding, rp_filter, routes, proxy entries. */
void tb_doc_routes(struct tb_doctor *d);
int tb_doc_route_ignored(const struct tb_dump_route *r);

/* doctor_nft.c: the nftables ruleset (br_netfilter). */
void tb_doc_nft(struct tb_doctor *d);

#endif
