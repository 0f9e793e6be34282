// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doctor's firewall checks.  The nftables ruleset is read through
 * libnftables ("list ruleset", JSON output; no shell, no nft binary); only
 * this file includes <nftables/libnftables.h>.  Of the JSON only the chain
 * objects are read: {"chain": {"family": ..., "table": ..., "name": ...,
 * "hook": ..., "policy": ...}}, flat objects whose string values are
 * identifiers.  iptables-nft's FORWARD chains are such chains too.
 */
#include "doctor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#define TB_NFT_CHAINS_MAX 16 /* dropping forward chains named in a message */

/* A forward-hook chain whose policy is drop. */
struct tb_nft_chain {
	char family[8], table[64], name[64];
};

struct tb_nft_drops {
	struct tb_nft_chain chains[TB_NFT_CHAINS_MAX];
	size_t n;
};

/* The string value of "@key" in the flat object [@s, @end) into @out. */
static void tb_nft_field(const char *s, const char *end, const char *key,
			 char *out, size_t len)
{
	char pat[32];
	const char *v, *q;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	v = strstr(s, pat);
	if (!v || v >= end)
		return;
	v += strlen(pat);
	q = strchr(v, '"');
	if (!q || q > end)
		return;
	snprintf(out, len, "%.*s", (int)(q - v), v);
}

/* Every forward-hook chain with policy drop in the JSON ruleset @json. */
static void tb_nft_scan(const char *json, struct tb_nft_drops *drops)
{
	const char *s = json, *end;
	char hook[16], policy[16];
	struct tb_nft_chain *c;

	while ((s = strstr(s, "\"chain\": {")) &&
	       drops->n < TB_NFT_CHAINS_MAX) {
		end = strchr(s, '}');
		if (!end)
			return;
		c = &drops->chains[drops->n];
		tb_nft_field(s, end, "hook", hook, sizeof(hook));
		tb_nft_field(s, end, "policy", policy, sizeof(policy));
		tb_nft_field(s, end, "family", c->family, sizeof(c->family));
		tb_nft_field(s, end, "table", c->table, sizeof(c->table));
		tb_nft_field(s, end, "name", c->name, sizeof(c->name));
		if (!strcmp(hook, "forward") && !strcmp(policy, "drop"))
			drops->n++;
		s = end;
	}
}

/**
 * tb_nft_read() - the ruleset's dropping forward chains
 * Return: 0, or -EPERM with the first line of nftables' error in @why.
 */
static int tb_nft_read(struct tb_nft_drops *drops, char *why, size_t len)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *out, *err;
	int rc;

	if (!ctx) {
		snprintf(why, len, "libnftables could not start");
		return -ENOMEM;
	}
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	rc = nft_run_cmd_from_buffer(ctx, "list ruleset");
	out = nft_ctx_get_output_buffer(ctx);
	err = nft_ctx_get_error_buffer(ctx);
	if (!rc && out)
		tb_nft_scan(out, drops);
	else
		snprintf(why, len, "%.*s", (int)strcspn(err ? err : "", "\n"),
			 err ? err : "");
	nft_ctx_free(ctx);
	return rc ? -EPERM : 0;
}

/* "ip filter FORWARD, inet fw forward": the chains of @families. */
static size_t tb_nft_list(const struct tb_nft_drops *drops,
			  const char *const *families, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < drops->n; i++) {
		const struct tb_nft_chain *c = &drops->chains[i];

		if (strcmp(c->family, families[0]) &&
		    strcmp(c->family, families[1]))
			continue;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used,
						 "%s%s %s %s", n ? ", " : "",
						 c->family, c->table, c->name);
		n++;
	}
	return n;
}

/* br-netfilter, for IPv4 (@ip "iptables") or IPv6 ("ip6tables"). */
static void tb_nft_brnf(struct tb_doctor *d, const struct tb_nft_drops *drops,
			const char *ip, const char *family)
{
	const char *const families[] = {family, "inet"};
	char path[64], obj[64], fix[TB_DOC_TEXT_MAX], chains[256];
	int on;

	snprintf(path, sizeof(path), "net/bridge/bridge-nf-call-%s", ip);
	if (tb_doc_sysctl(path, &on) || !on ||
	    !tb_nft_list(drops, families, chains, sizeof(chains)))
		return;
	snprintf(obj, sizeof(obj), "net.bridge.bridge-nf-call-%s", ip);
	snprintf(fix, sizeof(fix), "sysctl -w %s=0", obj);
	tb_doc_add(
		d, TB_SEV_WARNING, "br-netfilter", obj, fix,
		"br_netfilter sends bridged %s frames through the forward hook (%s=1), where %s drop%s by policy: VMs on the bridges lose that traffic",
		!strcmp(family, "ip") ? "IPv4" : "IPv6", obj, chains,
		strchr(chains, ',') ? "" : "s");
}

/* bridge-forward-drop: a bridge-family forward chain dropping by policy. */
static void tb_nft_bridge(struct tb_doctor *d, const struct tb_nft_drops *drops)
{
	char obj[140], fix[TB_DOC_TEXT_MAX];

	for (size_t i = 0; i < drops->n; i++) {
		const struct tb_nft_chain *c = &drops->chains[i];

		if (strcmp(c->family, "bridge"))
			continue;
		snprintf(obj, sizeof(obj), "bridge %s %s", c->table, c->name);
		snprintf(fix, sizeof(fix),
			 "nft 'chain bridge %s %s { policy accept; }'",
			 c->table, c->name);
		tb_doc_add(
			d, TB_SEV_WARNING, "bridge-forward-drop", obj, fix,
			"chain %s drops by policy every bridged frame no rule accepts: VMs' traffic through their bridge is lost",
			obj);
	}
}

/* Is there a bridge here, whose frames the forward hooks would see? */
static int tb_nft_bridges(const struct tb_doctor *d)
{
	for (size_t i = 0; i < d->dump.nlinks; i++)
		if (!strcmp(d->dump.links[i].kind, "bridge"))
			return 1;
	return 0;
}

/**
 * tb_doc_nft() - the firewall checks: br-netfilter, bridge-forward-drop
 *
 * Only when there is a bridge.  Reading the ruleset needs CAP_NET_ADMIN:
 * without it both checks are skipped, saying so.
 */
void tb_doc_nft(struct tb_doctor *d)
{
	struct tb_nft_drops drops = {0};
	char why[256], msg[400];

	if (!tb_nft_bridges(d))
		return;
	if (!d->root)
		snprintf(why, sizeof(why), "not root");
	if (!d->root || tb_nft_read(&drops, why, sizeof(why))) {
		snprintf(msg, sizeof(msg),
			 "cannot read the nftables ruleset (%s)%s", why,
			 d->root ? "" : "; it needs CAP_NET_ADMIN");
		tb_doc_skip(d, "br-netfilter", msg);
		tb_doc_skip(d, "bridge-forward-drop", msg);
		return;
	}
	tb_nft_brnf(d, &drops, "iptables", "ip");
	tb_nft_brnf(d, &drops, "ip6tables", "ip6");
	tb_nft_bridge(d, &drops);
}
