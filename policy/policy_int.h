/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy's validated model, shared by its loaders and its decisions. */
#ifndef TB_POLICY_INT_H
#define TB_POLICY_INT_H

#include <net/if.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"
#include "prefix.h"
#include "vlan.h"

#define TB_POLICY_FILE_MAX (1 << 20) /* bytes in one policy or ACL file */
#define TB_POLICY_DEPTH_MAX 8 /* nested includes */
#define TB_POLICY_FILES_MAX 256 /* files in one policy, includes counted */
#define TB_POLICY_RULES_MAX 4096
#define TB_POLICY_LIST_MAX 1024 /* entries in one users/groups/bridges list */
#define TB_TITLE_MAX 64

enum tb_rule_origin {
	TB_ORIGIN_CONF, /* allow/deny section of a tapbroker policy file */
	TB_ORIGIN_QEMU, /* one line of a qemu bridge.conf */
};

/*
 * One allow or deny rule.  Who: any user (qemu ACL lines), or the listed
 * uids and gids.  What: the listed bridges, or all of them.
 */
struct tb_rule {
	enum tb_rule_origin origin;
	int deny;
	const char *file; /* owned by struct tb_policy's file list */
	int line;
	char title[TB_TITLE_MAX];
	int any_user;
	uid_t *uids;
	size_t nuids;
	gid_t *gids;
	size_t ngids;
	uid_t *members; /* deny: users the group database puts in gids */
	size_t nmembers;
	int quota; /* -1: not set */
	int mtu; /* ceiling; -1: not set */
	int queues; /* ceiling; -1: not set */
	int all_bridges;
	char (*bridges)[IFNAMSIZ];
	size_t nbridges;
	char (*lowers)[IFNAMSIZ]; /* macvtap lower devices */
	size_t nlowers;
	unsigned int modes; /* macvtap modes, 1 << enum tb_macvtap_mode */
	struct tb_vlan_set *vlans; /* VLAN ids on its bridges, or NULL */
	int trunk; /* 1: tagged VLAN lists allowed too */
	char (*adopts)[IFNAMSIZ]; /* pre-made taps its users may adopt */
	size_t nadopts;
	struct tb_prefix *prefixes; /* routed: what its users may claim */
	size_t nprefixes;
	uint32_t *tables; /* routed: route tables (none set: main) */
	size_t ntables;
	int has_metrics;
	uint32_t metric_lo, metric_hi;
	char (*proxies)[IFNAMSIZ]; /* routed: uplinks for proxy ARP/NDP */
	size_t nproxies;
	struct tb_prefix *gateways; /* host-side addresses, shared by taps */
	size_t ngateways;
	int guard; /* 1: its ports are guarded; the request needs a MAC */
	int router; /* 1: its guests may route (RA, foreign sources) */
};

/* A file read into the policy; (dev, ino) catch include loops. */
struct tb_policy_file {
	char *name;
	dev_t dev;
	ino_t ino;
};

struct tb_policy {
	struct tb_rule *rules;
	size_t nrules;
	struct tb_policy_file *files; /* every file read, in order */
	size_t nfiles;
	const char *config; /* first tapbroker policy file, or NULL */
	const char *qemu_acl; /* first qemu ACL file, or NULL */
	unsigned int qemu_lines; /* rules that came from qemu ACLs */
	gid_t *admin_gids; /* admin_groups: may list and release leases */
	size_t nadmin;
	int pool; /* warm taps per bridge; -1: not set (TB_POOL_DEFAULT) */
};

/* policy.c */
int tb_policy_path(const char *path, const char *from, char *out,
		   size_t outlen);
int tb_policy_read_file(struct tb_policy *pol, const char *path,
			const char *from, int from_line, char **text,
			const char **name, struct tb_diag *diag);
struct tb_rule *tb_policy_new_rule(struct tb_policy *pol, const char *file,
				   int line, struct tb_diag *diag);
int tb_rule_add_bridge(struct tb_rule *r, const char *name, char *why,
		       size_t whylen);
int tb_rule_add_name(char (**names)[IFNAMSIZ], size_t *n, const char *name,
		     char *why, size_t whylen);

int tb_rule_members(struct tb_rule *r);

/* decide.c: what the plan (plan.c) is built from. */
int tb_rule_matches(const struct tb_rule *r, const struct tb_who *who);
int tb_rule_names(const struct tb_rule *r, const char *bridge);
int tb_rule_has_prefix(const struct tb_rule *r, const struct tb_prefix *p);

/* conf.c: the tapbroker policy format (libconfuse). */
int tb_conf_load(struct tb_policy *pol, const char *path, const char *from,
		 int from_line, int depth, struct tb_diag *diag);

/* qemu_acl.c: qemu's bridge.conf. */
int tb_qemu_acl_load(struct tb_policy *pol, const char *path, const char *from,
		     int from_line, int depth, struct tb_diag *diag);

#endif
