// SPDX-License-Identifier: GPL-2.0-or-later
/* What the policy grants, listed rule by rule: the facts `doctor` checks. */
#include "policy_int.h"

static void tb_grant_names(const struct tb_rule *r, enum tb_grant_kind kind,
			   const char (*names)[IFNAMSIZ], size_t n,
			   tb_grant_fn fn, void *arg)
{
	struct tb_grant g = {.kind = kind, .file = r->file, .line = r->line};

	if (kind == TB_GRANT_LOWER)
		g.modes = r->modes;
	for (size_t i = 0; i < n; i++) {
		g.name = names[i];
		fn(arg, &g);
	}
}

/* Routed grants: prefixes, their tables (none listed: main), uplinks. */
static void tb_grant_routed(const struct tb_rule *r, tb_grant_fn fn, void *arg)
{
	struct tb_grant g = {.file = r->file, .line = r->line};

	if (!r->nprefixes)
		return;
	g.kind = TB_GRANT_PREFIX;
	for (size_t i = 0; i < r->nprefixes; i++) {
		g.prefix = &r->prefixes[i];
		fn(arg, &g);
	}
	g.prefix = NULL;
	g.kind = TB_GRANT_TABLE;
	g.table = TB_TABLE_MAIN;
	if (!r->ntables)
		fn(arg, &g);
	for (size_t i = 0; i < r->ntables; i++) {
		g.table = r->tables[i];
		fn(arg, &g);
	}
	tb_grant_names(r, TB_GRANT_PROXY, (const char(*)[IFNAMSIZ])r->proxies,
		       r->nproxies, fn, arg);
}

void tb_policy_grants(const struct tb_policy *pol, tb_grant_fn fn, void *arg)
{
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny)
			continue;
		if (!r->all_bridges)
			tb_grant_names(r, TB_GRANT_BRIDGE,
				       (const char(*)[IFNAMSIZ])r->bridges,
				       r->nbridges, fn, arg);
		tb_grant_names(r, TB_GRANT_LOWER,
			       (const char(*)[IFNAMSIZ])r->lowers, r->nlowers,
			       fn, arg);
		tb_grant_routed(r, fn, arg);
	}
}
