// SPDX-License-Identifier: GPL-2.0-or-later
/* The anti-spoofing guard of one port: nftables ingress rules, port flags. */
#include "guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <nftables/libnftables.h>

#include "prefix.h"
#include "vlan.h"

/*
 * Theory of operation
 *
 * A guarded port forwards only what its guest may send as itself.  Two
 * kernel mechanisms do it, both made before the tap's fd leaves the broker:
 *
 * 1. nftables, family netdev: in the one table "tapbroker", one base chain
 *    per port, named after it, hooked on the port's ingress (the frames the
 *    guest writes into its tap), priority -500, policy drop.  Its rules,
 *    in order, each with a comment "tapbroker: ROLE":
 *      source MAC      Ethernet source != the lease's MAC: drop
 *      arp             IPv4-over-Ethernet ARP whose sender MAC is the
 *                      lease's and sender IP one of its IPv4 addresses or
 *                      0.0.0.0 (an RFC 5227 probe): accept
 *      dhcp server     UDP from port 67: drop (unless router)
 *      dhcp client     0.0.0.0:68 -> 255.255.255.255:67: accept
 *      ipv4 source     IPv4 from one of its addresses: accept
 *      ra              router advertisement, redirect: drop (unless router)
 *      dhcpv6 server   UDP from port 547: drop (unless router)
 *      ndp option, ndp lladdr, ndp extra option
 *                      NS, NA, RS: the one option allowed is a source or
 *                      target link-layer address equal to the MAC (or an
 *                      NS's DAD nonce)
 *      na target       NA for an address that is not the guest's: drop
 *      dad             NS and MLD reports from :: (DAD): accept
 *      ipv6 source     IPv6 from its addresses or its EUI-64 link-local
 *                      address: accept
 *      other           anything else (other ethertypes too): drop
 *    VLAN tags are taken off before the ingress hook, so the same rules see
 *    a trunk port's tagged frames.  A macvtap's guest frames never pass
 *    its ingress: they are transmitted, so its chain hooks egress (Linux
 *    5.16), where a VLAN tag is not taken off: tagged frames are dropped.
 * 2. For a bridge port, rtnetlink: the port is "locked" with learning off
 *    and gets one static FDB entry for the MAC (per VLAN it carries): the
 *    bridge never learns another MAC on it.
 *
 * Every value in the ruleset text is printed here from binary values (MAC,
 * prefixes) or checked first (the ifname: letters, digits, '.', '_', '-');
 * nothing a client wrote reaches the nft parser.
 *
 * One table for all ports, not one each: libnftables 1.0.6 fetches the
 * named objects of every table, one request per table, before it adds a
 * rule, which made an install cost 49 ms with 200 guarded ports (0.6 ms
 * with none); with one table it is 1.9 ms (it still reads every chain).
 *
 * The kernel keeps a netdev chain when its device goes (since Linux 6.16
 * it even hooks it again onto a new device of the same name): the lease's
 * end must remove the chain (tb_guard_remove()), and an install replaces
 * any chain left under the name.  A restarted broker finds the chains by
 * name (tb_guard_list()); the chain's comment records the MAC and the
 * number of rules, which tb_guard_verify() checks against what the kernel
 * lists.
 */

#define TB_GUARD_PENDING 16 /* chains named in one foreign transaction */

static int tb_guard_ready; /* a context was opened: guards can be made */
static int tb_guard_failed; /* else why not: -errno, or 0 (not tried) */

struct tb_guard_ctx {
	struct nft_ctx *nft;
	int watch; /* NFNLGRP_NFTABLES events, or -1 */
	int query; /* NETLINK_NETFILTER: the table's flags */
	/* what the transaction being read changed, until its NEWGEN */
	char pending[TB_GUARD_PENDING][IFNAMSIZ];
	size_t npending;
	int pending_all;
};

#define TB_GUARD_TEXT_MAX 65536

struct tb_gbuf {
	char *p;
	size_t len, cap;
	int over;
	unsigned int rules;
};

static void tb_gbuf_add(struct tb_gbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tb_gbuf_vadd(struct tb_gbuf *b, const char *fmt, va_list ap)
{
	int n;

	if (b->over)
		return;
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->over = 1;
	else
		b->len += (size_t)n;
}

static void tb_gbuf_add(struct tb_gbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tb_gbuf_vadd(b, fmt, ap);
	va_end(ap);
}

/**
 * tb_guard_open() - the nft context, made before seccomp
 *
 * libnftables reads its symbol tables (/etc/iproute2/...) and opens its
 * NETLINK_NETFILTER socket here, while the broker may still do both.
 * Return: 0, or -errno (-EPROTONOSUPPORT: a kernel without nfnetlink).
 */
int tb_guard_open(struct tb_guard_ctx **out)
{
	struct tb_guard_ctx *gc;
	int fd;

	/* libnftables exit()s when it cannot open its socket: try first;
	 * the socket is kept to ask the table's flags (tb_guard_dormant()) */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return tb_guard_failed = -errno;
	gc = calloc(1, sizeof(*gc));
	if (!gc) {
		close(fd);
		return tb_guard_failed = -ENOMEM;
	}
	gc->watch = -1;
	gc->query = fd;
	gc->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!gc->nft || nft_ctx_buffer_output(gc->nft) ||
	    nft_ctx_buffer_error(gc->nft)) {
		tb_guard_close(gc);
		return tb_guard_failed = -ENOMEM;
	}
	*out = gc;
	tb_guard_ready = 1;
	return 0;
}

void tb_guard_close(struct tb_guard_ctx *gc)
{
	if (!gc)
		return;
	if (gc->nft)
		nft_ctx_free(gc->nft);
	if (gc->watch >= 0)
		close(gc->watch);
	if (gc->query >= 0)
		close(gc->query);
	free(gc);
}

/* Runs @text; on failure @why (if any) gets nft's first line of error.
 * What a "list" printed stays in the output buffer for the caller. */
static int tb_guard_run(struct tb_guard_ctx *gc, const char *text, char *why,
			size_t len)
{
	const char *err;
	int rc = nft_run_cmd_from_buffer(gc->nft, text);

	err = nft_ctx_get_error_buffer(gc->nft);
	if (!rc)
		return 0;
	if (why && len)
		snprintf(why, len, "%.*s", (int)strcspn(err, "\n"), err);
	return -EIO;
}

/* One GETTABLE or GETCHAIN request, as nfnetlink frames it: the table's
 * name, and a chain's. */
struct tb_guard_get {
	struct nlmsghdr h;
	struct nfgenmsg g;
	struct nlattr a;
	char table[NLA_ALIGN(sizeof(TB_GUARD_TABLE))];
	struct nlattr b;
	char chain[NLA_ALIGN(IFNAMSIZ)];
};

static uint32_t tb_guard_u32(const struct nlmsghdr *h, int type, int *found);

/* Asks for the tapbroker table (@chain NULL) or its chain @chain; the
 * answer goes to @buf.  Return: 1 (it exists), 0, or -errno. */
static int tb_guard_get(struct tb_guard_ctx *gc, const char *chain, char *buf,
			size_t size)
{
	struct tb_guard_get req = {
		.h = {.nlmsg_type =
			      NFNL_SUBSYS_NFTABLES << 8 |
			      (chain ? NFT_MSG_GETCHAIN : NFT_MSG_GETTABLE),
		      .nlmsg_flags = NLM_F_REQUEST},
		.g = {.nfgen_family = NFPROTO_NETDEV, .version = NFNETLINK_V0},
		.a = {.nla_len = NLA_HDRLEN + sizeof(TB_GUARD_TABLE),
		      .nla_type = chain ? NFTA_CHAIN_TABLE : NFTA_TABLE_NAME},
		.table = TB_GUARD_TABLE,
		.b = {.nla_type = NFTA_CHAIN_NAME}};
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	size_t len = offsetof(struct tb_guard_get, b);
	ssize_t n;

	if (chain) {
		snprintf(req.chain, sizeof(req.chain), "%s", chain);
		req.b.nla_len = (uint16_t)(NLA_HDRLEN + strlen(req.chain) + 1);
		len += NLA_ALIGN(req.b.nla_len); /* no bytes past it */
	}
	req.h.nlmsg_len = (uint32_t)len;
	if (send(gc->query, &req, len, 0) < 0)
		return -errno;
	n = recv(gc->query, buf, size, 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(h, (int)n))
		return -EIO;
	return h->nlmsg_type != NLMSG_ERROR; /* ENOENT: none */
}

/**
 * tb_guard_dormant() - is the tapbroker table dormant ("flags dormant":
 * every chain in it unhooked, every guard off)?
 * Return: 1, 0 (or no table), or -errno.
 */
static int tb_guard_dormant(struct tb_guard_ctx *gc)
{
	static char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int err = tb_guard_get(gc, NULL, buf, sizeof(buf)), found = 0;
	uint32_t flags;

	if (err <= 0)
		return err;
	flags = tb_guard_u32((const struct nlmsghdr *)buf, NFTA_TABLE_FLAGS,
			     &found);
	return found && (flags & NFT_TABLE_F_DORMANT);
}

/**
 * tb_guard_exists() - is there a guard chain for port @ifname?
 *
 * One request, cheap enough for every lease's end.
 * Return: 1, 0, or -errno.
 */
int tb_guard_exists(struct tb_guard_ctx *gc, const char *ifname)
{
	static char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	return tb_guard_get(gc, ifname, buf, sizeof(buf));
}

/* Was a guard context opened (can this process install guards)? */
int tb_guard_opened(void)
{
	return tb_guard_ready;
}

/* Why tb_guard_open() failed: -errno, or 0 if it did not. */
int tb_guard_open_error(void)
{
	return tb_guard_failed;
}

static int tb_guard_ifname_ok(const char *s)
{
	size_t n = strnlen(s, IFNAMSIZ);

	return n > 0 && n < IFNAMSIZ &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n &&
	       s[0] != '.' && s[0] != '-';
}

/**
 * tb_guard_check() - are @g's values fit for a guard?
 * Return: 0, or -EINVAL with @why naming the value and the rule.
 */
int tb_guard_check(const struct tb_guard *g, char *why, size_t len)
{
	static const uint8_t zero[6];

	if (!tb_guard_ifname_ok(g->ifname)) {
		snprintf(
			why, len,
			"cannot guard interface '%.15s': a guarded name has only letters, digits, '.', '_' and '-'",
			g->ifname);
		return -EINVAL;
	}
	if (g->ifindex <= 0) {
		snprintf(why, len, "cannot guard %s: no such interface",
			 g->ifname);
		return -ENODEV;
	}
	if (!memcmp(g->mac, zero, 6) || (g->mac[0] & 1)) {
		snprintf(
			why, len,
			"MAC %02x:%02x:%02x:%02x:%02x:%02x cannot be guarded: it is %s; give the guest NIC's unicast MAC",
			g->mac[0], g->mac[1], g->mac[2], g->mac[3], g->mac[4],
			g->mac[5], g->mac[0] & 1 ? "multicast" : "zero");
		return -EINVAL;
	}
	if (g->macvtap && g->bridged) {
		snprintf(why, len,
			 "%s cannot be both a macvtap and a bridge port",
			 g->ifname);
		return -EINVAL;
	}
	if (g->naddrs > TB_GUARD_ADDRS || (g->naddrs && !g->addrs)) {
		snprintf(why, len, "%zu addresses for %s: at most %d",
			 g->naddrs, g->ifname, TB_GUARD_ADDRS);
		return -EINVAL;
	}
	for (size_t i = 0; i < g->naddrs; i++)
		if ((g->addrs[i].family != AF_INET || g->addrs[i].len > 32) &&
		    (g->addrs[i].family != AF_INET6 || g->addrs[i].len > 128)) {
			snprintf(why, len, "address %zu of %s is not IPv4/IPv6",
				 i, g->ifname);
			return -EINVAL;
		}
	return 0;
}

/* fe80::/64 with the interface identifier made from @mac (EUI-64). */
static void tb_guard_ll(const uint8_t mac[6], struct tb_prefix *p)
{
	static const uint8_t eui[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe};

	*p = (struct tb_prefix){.family = AF_INET6, .len = 128};
	memcpy(p->addr, eui, 16);
	p->addr[8] = mac[0] ^ 2;
	p->addr[9] = mac[1];
	p->addr[10] = mac[2];
	memcpy(p->addr + 13, mac + 3, 3);
}

/* The network of @p (host bits cleared) and, in @last, its last address. */
static void tb_guard_span(const struct tb_prefix *p, struct tb_prefix *first,
			  uint8_t last[16])
{
	size_t n = p->family == AF_INET ? 4 : 16;

	*first = *p;
	memcpy(last, p->addr, n);
	for (size_t bit = p->len; bit < n * 8; bit++) {
		first->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
		last[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	}
}

/*
 * The prefixes of @family among @g's addresses plus @extra (may be NULL),
 * host bits cleared, none within another (nft refuses overlapping
 * intervals).  Return: how many were put in @out (room for
 * TB_GUARD_ADDRS + 1).
 */
static size_t tb_guard_family(const struct tb_guard *g, int family,
			      const struct tb_prefix *extra,
			      struct tb_prefix *out)
{
	struct tb_prefix all[TB_GUARD_ADDRS + 1];
	uint8_t last[16];
	size_t n = 0, k = 0;

	for (size_t i = 0; i < g->naddrs; i++)
		if (g->addrs[i].family == family)
			tb_guard_span(&g->addrs[i], &all[n++], last);
	if (extra)
		all[n++] = *extra;
	for (size_t i = 0; i < n; i++) {
		int inside = 0;

		for (size_t j = 0; j < n && !inside; j++)
			inside = j != i &&
				 tb_prefix_contains(&all[j], &all[i]) &&
				 (all[j].len != all[i].len || j < i);
		if (!inside)
			out[k++] = all[i];
	}
	return k;
}

/* Prefix @p as nft writes it: "10.0.0.5", "2001:db8::/64". */
static void tb_guard_put_prefix(struct tb_gbuf *b, const struct tb_prefix *p)
{
	char s[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, s, sizeof(s)))
		b->over = 1;
	tb_gbuf_add(b, "%s", s);
	if (p->len != (p->family == AF_INET ? 32u : 128u))
		tb_gbuf_add(b, "/%u", p->len);
}

static void tb_guard_put_hex(struct tb_gbuf *b, const uint8_t *v, size_t n)
{
	tb_gbuf_add(b, "0x");
	for (size_t i = 0; i < n; i++)
		tb_gbuf_add(b, "%02x", v[i]);
}

/* One rule: the text so far on this line (tb_guard_begin()), @fmt, then
 * its comment; counted for the chain's comment. */
static void tb_guard_rule(struct tb_gbuf *b, const char *role, const char *fmt,
			  ...) __attribute__((format(printf, 3, 4)));

static void tb_guard_rule(struct tb_gbuf *b, const char *role, const char *fmt,
			  ...)
{
	va_list ap;

	va_start(ap, fmt);
	tb_gbuf_vadd(b, fmt, ap);
	va_end(ap);
	tb_gbuf_add(b, " comment \"tapbroker: %s\"\n", role);
	b->rules++;
}

#define TB_MACFMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define TB_MACARG(m) m[0], m[1], m[2], m[3], m[4], m[5]
#define TB_MACHEX "0x%02x%02x%02x%02x%02x%02x"

/*
 * No rule uses a set, not even an anonymous one ("{ a, b }"): listing a
 * chain makes libnftables 1.0.6 fetch the elements of every set in the
 * table, one request per set, which would make tb_guard_verify() cost
 * grow with the number of guarded ports.  A list of accepted values is
 * one rule per value; a list of refused ones, one rule of "!=" tests.
 */

/* The IPv4 and ARP rules. */
static void tb_guard_rules4(struct tb_gbuf *b, const struct tb_guard *g)
{
	static const struct tb_prefix any = {.family = AF_INET, .len = 32};
	struct tb_prefix v4[TB_GUARD_ADDRS + 1];
	size_t n = tb_guard_family(g, AF_INET, &any, v4);

	for (size_t i = 0; i < n; i++) {
		tb_gbuf_add(b,
			    "\t\tmeta protocol arp arp htype 1 arp ptype ip "
			    "arp hlen 6 arp plen 4 arp saddr ether " TB_MACFMT
			    " arp saddr ip ",
			    TB_MACARG(g->mac));
		tb_guard_put_prefix(b, &v4[i]);
		tb_guard_rule(b, "arp", " accept");
	}
	if (!g->router)
		tb_guard_rule(b, "dhcp server",
			      "\t\tmeta protocol ip udp sport 67 counter drop");
	tb_guard_rule(b, "dhcp client",
		      "\t\tip saddr 0.0.0.0 ip daddr 255.255.255.255 "
		      "udp sport 68 udp dport 67 accept");
	n = tb_guard_family(g, AF_INET, NULL, v4);
	for (size_t i = 0; i < n; i++) {
		tb_gbuf_add(b, "\t\tip saddr ");
		tb_guard_put_prefix(b, &v4[i]);
		tb_guard_rule(b, "ipv4 source", " accept");
	}
}

/* NS/NA/RS option @role rules: @type's options start at bit @at of the
 * ICMPv6 header; the one allowed is @opt (or @alt: 0 for none) and an
 * address option must carry the MAC. */
static void tb_guard_ndp_opt(struct tb_gbuf *b, const struct tb_guard *g,
			     const char *type, unsigned int at,
			     unsigned int opt, unsigned int alt)
{
	tb_gbuf_add(b, "\t\ticmpv6 type %s @th,%u,16 != 0x%04x", type, at, opt);
	if (alt)
		tb_gbuf_add(b, " @th,%u,16 != 0x%04x", at, alt);
	tb_guard_rule(b, "ndp option", " counter drop");
	tb_guard_rule(
		b, "ndp lladdr",
		"\t\ticmpv6 type %s @th,%u,16 0x%04x @th,%u,48 != " TB_MACHEX
		" counter drop",
		type, at, opt, at + 16, TB_MACARG(g->mac));
	tb_guard_rule(b, "ndp extra option",
		      "\t\ticmpv6 type %s @th,%u,16 != 0 counter drop", type,
		      at + 64);
}

/* A neighbour advertisement for an address not in @v6[@n]: dropped. */
static void tb_guard_na_target(struct tb_gbuf *b, const struct tb_prefix *v6,
			       size_t n)
{
	uint8_t last[16];
	struct tb_prefix first;

	tb_gbuf_add(b, "\t\ticmpv6 type nd-neighbor-advert");
	for (size_t i = 0; i < n; i++) {
		tb_guard_span(&v6[i], &first, last);
		tb_gbuf_add(b, " @th,64,128 != ");
		tb_guard_put_hex(b, first.addr, 16);
		if (v6[i].len != 128) {
			tb_gbuf_add(b, "-");
			tb_guard_put_hex(b, last, 16);
		}
	}
	tb_guard_rule(b, "na target", " counter drop");
}

/* The IPv6 and NDP rules. */
static void tb_guard_rules6(struct tb_gbuf *b, const struct tb_guard *g)
{
	static const char *const dad[] = {"nd-neighbor-solicit",
					  "mld-listener-report",
					  "mld2-listener-report"};
	struct tb_prefix v6[TB_GUARD_ADDRS + 1], ll;
	size_t n;

	tb_guard_ll(g->mac, &ll);
	n = tb_guard_family(g, AF_INET6, &ll, v6);
	if (!g->router) {
		tb_guard_rule(b, "ra",
			      "\t\ticmpv6 type nd-router-advert counter drop");
		tb_guard_rule(b, "ra",
			      "\t\ticmpv6 type nd-redirect counter drop");
		tb_guard_rule(
			b, "dhcpv6 server",
			"\t\tmeta protocol ip6 udp sport 547 counter drop");
	}
	tb_guard_ndp_opt(b, g, "nd-neighbor-solicit", 192, 0x0101, 0x0e01);
	tb_guard_ndp_opt(b, g, "nd-neighbor-advert", 192, 0x0201, 0);
	tb_guard_ndp_opt(b, g, "nd-router-solicit", 64, 0x0101, 0);
	tb_guard_na_target(b, v6, n);
	for (size_t i = 0; i < sizeof(dad) / sizeof(dad[0]); i++)
		tb_guard_rule(b, "dad",
			      "\t\tip6 saddr :: icmpv6 type %s accept", dad[i]);
	for (size_t i = 0; i < n; i++) {
		tb_gbuf_add(b, "\t\tip6 saddr ");
		tb_guard_put_prefix(b, &v6[i]);
		tb_guard_rule(b, "ipv6 source", " accept");
	}
}

/* The chain's rules; the chain around them is tb_guard_text()'s. */
static void tb_guard_rules(struct tb_gbuf *b, const struct tb_guard *g)
{
	tb_guard_rule(b, "source MAC",
		      "\t\tether saddr != " TB_MACFMT " counter drop",
		      TB_MACARG(g->mac));
	tb_guard_rules4(b, g);
	tb_guard_rules6(b, g);
	tb_guard_rule(b, "other", "\t\tcounter drop");
}

/* Where the guest's frames pass: a tap receives them (ingress), a
 * macvtap transmits them (egress, before macvlan forwards them). */
static const char *tb_guard_hook(const struct tb_guard *g)
{
	return g->macvtap ? "egress" : "ingress";
}

/*
 * The whole transaction: the chain is made (if missing) and deleted, so
 * that whatever was left under its name goes, then made again.  Its
 * comment ("tapbroker guard mac=M router=R rules=N") is written once N is
 * known.
 */
static int tb_guard_text(struct tb_gbuf *b, const struct tb_guard *g)
{
	struct tb_gbuf rules = {.cap = TB_GUARD_TEXT_MAX};

	rules.p = malloc(rules.cap);
	if (!rules.p)
		return -ENOMEM;
	tb_guard_rules(&rules, g);
	tb_gbuf_add(b,
		    "add table netdev " TB_GUARD_TABLE "\n"
		    "add chain netdev " TB_GUARD_TABLE " %s\n"
		    "delete chain netdev " TB_GUARD_TABLE " %s\n"
		    "table netdev " TB_GUARD_TABLE " {\n"
		    "\tchain %s {\n"
		    "\t\tcomment \"tapbroker guard mac=" TB_MACFMT
		    " router=%d rules=%u\"\n"
		    "\t\ttype filter hook %s device \"%s\" "
		    "priority -500; policy drop;\n",
		    g->ifname, g->ifname, g->ifname, TB_MACARG(g->mac),
		    !!g->router, rules.rules, tb_guard_hook(g), g->ifname);
	tb_gbuf_add(b, "%.*s\t}\n}\n", (int)rules.len, rules.p);
	b->over |= rules.over;
	free(rules.p);
	return b->over ? -E2BIG : 0;
}

/* The rules in a rendered transaction: one line each. */
static unsigned int tb_guard_count_text(const char *text)
{
	unsigned int n = 0;

	for (const char *c = text; (c = strstr(c, "comment \"tapbroker: "));
	     c++)
		n++;
	return n;
}

/**
 * tb_guard_render() - the nftables transaction that installs @g, as text
 *
 * What tb_guard_install() hands libnftables, for "explain", "status" and
 * tests.  No kernel is asked.
 * Return: the number of rules, or -EINVAL (@g is unfit: see
 * tb_guard_check()) or -E2BIG (@len is too small).
 */
int tb_guard_render(const struct tb_guard *g, char *buf, size_t len)
{
	struct tb_gbuf b = {.p = buf, .cap = len};
	char why[160];
	int err;

	if (len == 0)
		return -E2BIG;
	buf[0] = '\0';
	if (tb_guard_check(g, why, sizeof(why)) == -EINVAL)
		return -EINVAL;
	err = tb_guard_text(&b, g);
	return err ? err : (int)tb_guard_count_text(buf);
}

/* The VLANs whose FDB entry a bridged guard needs, in @vids: 0 alone
 * when the port carries no VLAN.  Return: how many. */
static size_t tb_guard_vids(const struct tb_guard *g, uint16_t *vids)
{
	size_t n = 0;

	if (g->pvid)
		vids[n++] = (uint16_t)g->pvid;
	for (unsigned int v = TB_VLAN_MIN; g->tagged && v <= TB_VLAN_MAX; v++)
		if (v != g->pvid && tb_vlan_has(g->tagged, v))
			vids[n++] = (uint16_t)v;
	if (!n)
		vids[n++] = 0;
	return n;
}

/* Bridged: lock the port, learning off, and check the kernel did both
 * (an older kernel ignores IFLA_BRPORT_LOCKED). */
static int tb_guard_lock(struct tb_nl *nl, const struct tb_guard *g, char *why,
			 size_t len)
{
	int err = tb_nl_port_lock(nl, g->ifindex, 1);
	int locked = -1, learning = -1;

	if (!err)
		err = tb_nl_port_lock_get(nl, g->ifindex, &locked, &learning);
	if (!err && (locked != 1 || learning != 0))
		err = -EOPNOTSUPP;
	if (err)
		snprintf(
			why, len,
			"cannot lock bridge port %s (locked on, learning off): %s; the guard needs Linux 5.18 or later",
			g->ifname, strerror(-err));
	return err;
}

/*
 * One VLAN's entry: a new static one, or the one the bridge has taken
 * over when it is this port's (an earlier install) or only learned (a
 * cache: the bridge itself moves such an entry when a frame says so).
 * A static or permanent entry on another port holds the MAC: -EEXIST.
 */
static int tb_guard_fdb_one(struct tb_nl *nl, const struct tb_guard *g,
			    unsigned int vid)
{
	int err = tb_nl_fdb_static(nl, TB_FDB_ADD, g->ifindex, g->mac, vid);
	int port = 0, held = 1;

	if (err != -EEXIST)
		return err;
	err = tb_nl_fdb_get(nl, g->ifindex, g->mac, vid, &port, &held);
	if (err) /* gone meanwhile: another port's still, say */
		return err == -ENOENT || err == -ENODEV ? -EEXIST : err;
	if (port != g->ifindex && held)
		return -EEXIST;
	return tb_nl_fdb_static(nl, TB_FDB_TAKE, g->ifindex, g->mac, vid);
}

static int tb_guard_fdb(struct tb_nl *nl, const struct tb_guard *g, char *why,
			size_t len)
{
	uint16_t vids[TB_VLAN_MAX + 1];
	size_t n = tb_guard_vids(g, vids);
	int err = 0;

	for (size_t i = 0; !err && i < n; i++)
		err = tb_guard_fdb_one(nl, g, vids[i]);
	if (err)
		snprintf(why, len,
			 "cannot add the static FDB entry " TB_MACFMT
			 " on %s: %s%s",
			 TB_MACARG(g->mac), g->ifname, strerror(-err),
			 err == -EEXIST ? " (another port of the bridge holds "
					  "the MAC; give the guest another MAC)"
					: "");
	return err;
}

/* The nft part: the table woken if it is dormant (alone: the kernel
 * refuses that in a transaction that also adds chains), then the chain. */
static int tb_guard_nft(struct tb_guard_ctx *gc, const struct tb_guard *g,
			char *why, size_t len)
{
	struct tb_gbuf b = {.cap = TB_GUARD_TEXT_MAX};
	char nfterr[200];
	int err = 0;

	if (tb_guard_dormant(gc) > 0 &&
	    tb_guard_run(gc, "add table netdev " TB_GUARD_TABLE " { }\n",
			 nfterr, sizeof(nfterr))) {
		snprintf(why, len,
			 "nft table netdev " TB_GUARD_TABLE
			 " is dormant and cannot be woken: %s",
			 nfterr);
		return -EIO;
	}
	b.p = malloc(b.cap);
	if (!b.p)
		return -ENOMEM;
	err = tb_guard_text(&b, g);
	if (err)
		snprintf(why, len,
			 "the guard of %s is too large (%zu addresses)",
			 g->ifname, g->naddrs);
	else if (tb_guard_run(gc, b.p, nfterr, sizeof(nfterr))) {
		snprintf(why, len,
			 "cannot install the nftables guard of %s: %s",
			 g->ifname, nfterr);
		err = -EIO;
	}
	free(b.p);
	return err;
}

/**
 * tb_guard_install() - make the kernel enforce guard @g, all or nothing
 *
 * The nft table first (replacing any table left under the name), then,
 * for a bridge port, its flags and FDB entries.  On any failure whatever
 * was made is removed and @why says what failed, in one line.
 * Return: 0, or -errno.
 */
int tb_guard_install(struct tb_guard_ctx *gc, struct tb_nl *nl,
		     const struct tb_guard *g, char *why, size_t len)
{
	int err = tb_guard_check(g, why, len);

	if (!err)
		err = tb_guard_nft(gc, g, why, len);
	if (!err && g->bridged)
		err = tb_guard_lock(nl, g, why, len);
	if (!err && g->bridged)
		err = tb_guard_fdb(nl, g, why, len);
	if (err && err != -EINVAL && err != -ENODEV)
		tb_guard_remove(gc, nl, g);
	return err;
}

/**
 * tb_guard_remove() - remove guard @g (what of it there is)
 *
 * Idempotent: a missing table, FDB entry or device is not an error.  The
 * port is unlocked and learns again (for an adopted tap, which stays).
 * Return: 0, or the first -errno that was not "already gone".
 */
int tb_guard_remove(struct tb_guard_ctx *gc, struct tb_nl *nl,
		    const struct tb_guard *g)
{
	uint16_t vids[TB_VLAN_MAX + 1];
	char text[160];
	size_t n;
	int err = 0, e;

	if (!tb_guard_ifname_ok(g->ifname))
		return -EINVAL;
	snprintf(text, sizeof(text),
		 "add table netdev " TB_GUARD_TABLE "\n"
		 "add chain netdev " TB_GUARD_TABLE " %s\n"
		 "delete chain netdev " TB_GUARD_TABLE " %s\n",
		 g->ifname, g->ifname);
	if (tb_guard_run(gc, text, NULL, 0))
		err = -EIO;
	if (!g->bridged || g->ifindex <= 0)
		return err;
	n = tb_guard_vids(g, vids);
	for (size_t i = 0; i < n; i++) {
		e = tb_nl_fdb_static(nl, TB_FDB_DEL, g->ifindex, g->mac,
				     vids[i]);
		if (e && e != -ENODEV && e != -ENOENT && !err)
			err = e;
	}
	e = tb_nl_port_lock(nl, g->ifindex, 0);
	if (e && e != -ENODEV && !err)
		err = e;
	return err;
}

/* Lists chain @ifname (the guard) into gc's output buffer; NULL if none. */
static const char *tb_guard_listing(struct tb_guard_ctx *gc, const char *ifname)
{
	char text[96];

	snprintf(text, sizeof(text),
		 "list chain netdev " TB_GUARD_TABLE " %s\n", ifname);
	if (tb_guard_run(gc, text, NULL, 0)) {
		nft_ctx_get_output_buffer(gc->nft); /* emptied */
		return NULL;
	}
	return nft_ctx_get_output_buffer(gc->nft);
}

/* Reads the chain's comment into @f; 0 or -EINVAL. */
static int tb_guard_comment(const char *list, struct tb_guard_found *f)
{
	const char *c = strstr(list, "comment \"tapbroker guard mac=");
	unsigned int m[6];

	if (!c ||
	    sscanf(c,
		   "comment \"tapbroker guard mac=%2x:%2x:%2x:%2x:%2x:%2x router=%d rules=%u\"",
		   &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &f->router,
		   &f->rules) != 8)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		f->mac[i] = (uint8_t)m[i];
	return 0;
}

/* What a rule of each role must contain as nft lists it (the MAC
 * between @head and @tail, if there is a tail), and its verdict.  Only
 * the match that makes an accept safe is asked for, not nft's exact
 * wording, which may change between its versions.  A rule edited under
 * its old comment into an accept, or out of its match, no longer fits. */
static const struct {
	const char *role, *head, *tail;
	int accept;
} tb_guard_roles[] = {
	{"source MAC", "ether saddr != ", " ", 0},
	{"arp", "arp saddr ether ", " arp saddr ip ", 1},
	{"dhcp server", "udp sport 67 ", NULL, 0},
	{"dhcp client", "ip saddr 0.0.0.0 ", NULL, 1},
	{"ipv4 source", "ip saddr ", NULL, 1},
	{"ra", "icmpv6 type ", NULL, 0},
	{"dhcpv6 server", "udp sport 547 ", NULL, 0},
	{"ndp option", "icmpv6 type ", NULL, 0},
	{"ndp lladdr", "icmpv6 type ", NULL, 0},
	{"ndp extra option", "icmpv6 type ", NULL, 0},
	{"na target", "icmpv6 type ", NULL, 0},
	{"dad", "ip6 saddr :: ", NULL, 1},
	{"ipv6 source", "ip6 saddr ", NULL, 1},
	{"other", "", NULL, 0},
};

/* Does rule @t (@len bytes, indentation skipped) fit its role? */
static int tb_guard_rule_fits(const char *t, size_t len, const char *mac)
{
	const char *c = memmem(t, len, " comment \"tapbroker: ", 21), *verdict;
	char need[160];
	size_t v;

	if (!c)
		return 0;
	for (size_t i = 0;
	     i < sizeof(tb_guard_roles) / sizeof(tb_guard_roles[0]); i++) {
		size_t r = strlen(tb_guard_roles[i].role);

		if (strncmp(c + 21, tb_guard_roles[i].role, r) ||
		    c[21 + r] != '"')
			continue;
		snprintf(need, sizeof(need), "%s%s%s", tb_guard_roles[i].head,
			 tb_guard_roles[i].tail ? mac : "",
			 tb_guard_roles[i].tail ? tb_guard_roles[i].tail : "");
		verdict = tb_guard_roles[i].accept ? " accept" : " drop";
		v = strlen(verdict);
		return (!need[0] ||
			memmem(t, (size_t)(c - t), need, strlen(need))) &&
		       (size_t)(c - t) >= v && !strncmp(c - v, verdict, v);
	}
	return 0;
}

/* Rules in the listed chain (each line after the hook line up to "}"):
 * how many, and how many are tapbroker's and fit their role. */
static unsigned int tb_guard_count(const char *hook, const char *mac,
				   unsigned int *ours)
{
	const char *l = strchr(hook, '\n');
	unsigned int n = 0;

	*ours = 0;
	while (l && *++l) {
		size_t len = strcspn(l, "\n");
		const char *t = l + strspn(l, "\t ");

		if (*t == '}')
			break;
		if (t < l + len &&
		    strncmp(t, "comment \"tapbroker guard ", 25)) {
			n++;
			*ours += tb_guard_rule_fits(t, len - (size_t)(t - l),
						    mac);
		}
		l = strchr(l, '\n');
	}
	return n;
}

/* Does the nft chain of @g hold a whole guard?  0, or -ENOENT with @why. */
static int tb_guard_verify_nft(struct tb_guard_ctx *gc,
			       const struct tb_guard *g,
			       struct tb_guard_found *f, char *why, size_t len)
{
	const char *list = tb_guard_listing(gc, g->ifname), *hook;
	char want[96], mac[40];
	unsigned int n, ours;

	if (!list) {
		snprintf(
			why, len,
			"the guard of %s is gone: no nft chain netdev " TB_GUARD_TABLE
			" %s",
			g->ifname, g->ifname);
		return -ENOENT;
	}
	snprintf(want, sizeof(want),
		 "hook %s device \"%s\" priority -500; policy drop;",
		 tb_guard_hook(g), g->ifname);
	hook = strstr(list, want);
	if (tb_guard_comment(list, f) || !hook) {
		snprintf(
			why, len,
			"the guard of %s is not tapbroker's: nft chain netdev " TB_GUARD_TABLE
			" %s has no hook on %s with policy drop, or no comment",
			g->ifname, g->ifname, g->ifname);
		return -ENOENT;
	}
	snprintf(mac, sizeof(mac), TB_MACFMT, TB_MACARG(f->mac));
	n = tb_guard_count(hook, mac, &ours);
	if (n != f->rules || ours != n) {
		snprintf(
			why, len,
			"the guard of %s was changed: %u rules (%u of them tapbroker's as made) where %u were made; see nft list chain netdev " TB_GUARD_TABLE
			" %s",
			g->ifname, n, ours, f->rules, g->ifname);
		return -ENOENT;
	}
	return 0;
}

/* Bridged: is the port locked, without learning, with its FDB entries? */
static int tb_guard_verify_port(struct tb_nl *nl, const struct tb_guard *g,
				const uint8_t mac[6], char *why, size_t len)
{
	uint16_t vids[TB_VLAN_MAX + 1];
	int locked, learning, err;
	size_t n;

	err = tb_nl_port_lock_get(nl, g->ifindex, &locked, &learning);
	if (err || locked != 1 || learning != 0) {
		snprintf(
			why, len,
			"the guard of %s is gone: the bridge port is %s (bridge -d link show dev %s)",
			g->ifname,
			err	      ? strerror(-err)
			: locked != 1 ? "not locked"
				      : "learning",
			g->ifname);
		return err ? err : -ENOENT;
	}
	n = tb_guard_vids(g, vids);
	for (size_t i = 0; i < n; i++) {
		int port = 0, held = 0;

		err = tb_nl_fdb_get(nl, g->ifindex, mac, vids[i], &port, &held);
		if (err || port != g->ifindex || !held) {
			snprintf(
				why, len,
				"the guard of %s is gone: no static FDB entry " TB_MACFMT
				" vlan %u on it (bridge fdb show dev %s)",
				g->ifname, TB_MACARG(mac), vids[i], g->ifname);
			return err && err != -ENODEV && err != -ENOENT
				       ? err
				       : -ENOENT;
		}
	}
	return 0;
}

/**
 * tb_guard_verify() - is the guard of @g's port fully in place?
 * @g:		ifname, ifindex, bridged and the VLANs; a non-zero @g->mac
 *		must be the one the guard was made for
 * @found:	what the table records (MAC, router, rules), or NULL
 *
 * For a restarted broker: the nft table with its hook on the port, every
 * rule tapbroker made and no other, and for a bridge port the lock, no
 * learning and the static FDB entries.
 * Return: 0; -ENOENT (missing or changed) or another -errno, with @why.
 */
int tb_guard_verify(struct tb_guard_ctx *gc, struct tb_nl *nl,
		    const struct tb_guard *g, struct tb_guard_found *found,
		    char *why, size_t len)
{
	static const uint8_t zero[6];
	struct tb_guard_found f = {{0}, 0, 0};
	int err;

	if (!tb_guard_ifname_ok(g->ifname)) {
		snprintf(why, len, "cannot guard interface '%.15s'", g->ifname);
		return -EINVAL;
	}
	err = tb_guard_dormant(gc);
	if (err > 0) {
		snprintf(
			why, len,
			"the guard of %s is off: nft table netdev " TB_GUARD_TABLE
			" is dormant (every guard is)",
			g->ifname);
		err = -ENOENT;
	}
	if (!err)
		err = tb_guard_verify_nft(gc, g, &f, why, len);
	if (!err && memcmp(g->mac, zero, 6) && memcmp(g->mac, f.mac, 6)) {
		snprintf(why, len,
			 "the guard of %s is for MAC " TB_MACFMT
			 ", not " TB_MACFMT,
			 g->ifname, TB_MACARG(f.mac), TB_MACARG(g->mac));
		err = -ENOENT;
	}
	if (!err && g->bridged)
		err = tb_guard_verify_port(nl, g, f.mac, why, len);
	if (found)
		*found = f;
	return err;
}

/* The chain named on line @l ("\tchain NAME {"), if it is a port's. */
static int tb_guard_chain_line(const char *l, size_t n, char ifname[IFNAMSIZ])
{
	static const char head[] = "\tchain ";
	size_t h = sizeof(head) - 1;

	if (n < h + 3 || strncmp(l, head, h) || strncmp(l + n - 2, " {", 2) ||
	    n - h - 2 >= IFNAMSIZ)
		return 0;
	snprintf(ifname, IFNAMSIZ, "%.*s", (int)(n - h - 2), l + h);
	return tb_guard_ifname_ok(ifname);
}

/**
 * tb_guard_list() - call @fn with the port of every guard chain
 *
 * For a restarted broker: a chain whose port has no lease is an orphan.
 * Return: 0, -ENOMEM or -EIO.
 */
int tb_guard_list(struct tb_guard_ctx *gc,
		  void (*fn)(void *arg, const char *ifname), void *arg)
{
	char ifname[IFNAMSIZ];
	const char *l;
	char *out;

	char err[200] = "";

	if (tb_guard_run(gc, "list table netdev " TB_GUARD_TABLE "\n", err,
			 sizeof(err)))
		/* no table: no guard (ENOENT, as nft words it) */
		return strstr(err, "No such file or directory") ? 0 : -EIO;
	/* a copy: @fn may run nft (remove an orphan), which reuses the buffer */
	out = strdup(nft_ctx_get_output_buffer(gc->nft));
	if (!out)
		return -ENOMEM;
	for (l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (tb_guard_chain_line(l, strcspn(l, "\n"), ifname))
			fn(arg, ifname);
	free(out);
	return 0;
}

/*
 * Watching the guards.  Anyone with CAP_NET_ADMIN can change the ruleset:
 * "nft flush ruleset" (as restarting Debian's nftables.service does)
 * removes every guard at once.  The kernel announces each change of a
 * transaction to NFNLGRP_NFTABLES, then the transaction's generation
 * (NFT_MSG_NEWGEN) with the pid that made it; tb_guard_watch_read() names
 * the chains of the tapbroker table that another process touched, so the
 * broker can check (tb_guard_verify()) and put back or end those leases.
 */

/**
 * tb_guard_watch_open() - subscribe to nftables changes, before seccomp
 * Return: the socket's fd (non-blocking, to poll for input), or -errno.
 */
int tb_guard_watch_open(struct tb_guard_ctx *gc)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int group = NFNLGRP_NFTABLES, one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0 ||
	    /* a lost event is reported (ENOBUFS), not silently missed */
	    setsockopt(fd, SOL_NETLINK, NETLINK_BROADCAST_ERROR, &one,
		       sizeof(one)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	gc->watch = fd;
	return fd;
}

/* The string attribute @type of the nftables message @h, or NULL. */
static const char *tb_guard_attr(const struct nlmsghdr *h, int type)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a =
			(const struct nlattr *)((const char *)h + off);
		size_t len = a->nla_len;

		if (len < NLA_HDRLEN || off + len > h->nlmsg_len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type) {
			const char *v = (const char *)a + NLA_HDRLEN;

			return memchr(v, '\0', len - NLA_HDRLEN) ? v : NULL;
		}
		off += NLA_ALIGN(len);
	}
	return NULL;
}

/* The big-endian u32 attribute @type of nftables message @h (*@found
 * says whether there is one). */
static uint32_t tb_guard_u32(const struct nlmsghdr *h, int type, int *found)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	uint32_t v;

	*found = 0;
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a =
			(const struct nlattr *)((const char *)h + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return 0;
		if ((a->nla_type & NLA_TYPE_MASK) == type &&
		    a->nla_len >= NLA_HDRLEN + 4) {
			memcpy(&v, (const char *)a + NLA_HDRLEN, 4);
			*found = 1;
			return ntohl(v);
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

static void tb_guard_pend(struct tb_guard_ctx *gc, const char *chain)
{
	for (size_t i = 0; chain && i < gc->npending; i++)
		if (!strncmp(gc->pending[i], chain, IFNAMSIZ - 1))
			return; /* a chain's rules each say so */
	if (!chain || gc->npending == TB_GUARD_PENDING) {
		gc->pending_all = 1;
		return;
	}
	snprintf(gc->pending[gc->npending++], IFNAMSIZ, "%s", chain);
}

/* The end of a transaction made by @pid: what it changed goes to @fn,
 * unless this process made it. */
static void tb_guard_deliver(struct tb_guard_ctx *gc, uint32_t pid,
			     void (*fn)(void *arg, const char *ifname),
			     void *arg)
{
	if (pid != (uint32_t)getpid()) {
		if (gc->pending_all)
			fn(arg, NULL);
		for (size_t i = 0; !gc->pending_all && i < gc->npending; i++)
			fn(arg, gc->pending[i]);
	}
	gc->npending = 0;
	gc->pending_all = 0;
}

/* One event: a change to the tapbroker table is held until its NEWGEN
 * says who made it; then @fn hears of it unless it was this process. */
static void tb_guard_event(struct tb_guard_ctx *gc, const struct nlmsghdr *h,
			   void (*fn)(void *arg, const char *ifname), void *arg)
{
	int msg = NFNL_MSG_TYPE(h->nlmsg_type), found;
	const char *t = NULL, *c = NULL;

	if (NFNL_SUBSYS_ID(h->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    h->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return;
	if (msg == NFT_MSG_NEWGEN) {
		tb_guard_deliver(gc, tb_guard_u32(h, NFTA_GEN_PROC_PID, &found),
				 fn, arg);
		return;
	}
	switch (msg) {
	case NFT_MSG_NEWTABLE:
	case NFT_MSG_DELTABLE:
		t = tb_guard_attr(h, NFTA_TABLE_NAME);
		break;
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN:
		t = tb_guard_attr(h, NFTA_CHAIN_TABLE);
		c = tb_guard_attr(h, NFTA_CHAIN_NAME);
		break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		t = tb_guard_attr(h, NFTA_RULE_TABLE);
		c = tb_guard_attr(h, NFTA_RULE_CHAIN);
		break;
	default: /* sets, objects: no guard uses one */
		return;
	}
	if (t && !strcmp(t, TB_GUARD_TABLE))
		tb_guard_pend(gc, c);
}

/**
 * tb_guard_watch_read() - read the pending nftables events
 * @fn:	called with the name of each chain (port) of the tapbroker table
 *	another process changed, or with NULL: check every guard (the whole
 *	table changed, or events were lost)
 * Return: 0, or -errno.
 */
int tb_guard_watch_read(struct tb_guard_ctx *gc,
			void (*fn)(void *arg, const char *ifname), void *arg)
{
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n;

	while ((n = recv(gc->watch, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int left = (int)n;

		for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
			tb_guard_event(gc, h, fn, arg);
	}
	if (n < 0 && errno == ENOBUFS) {
		gc->npending = 0;
		gc->pending_all = 0;
		fn(arg, NULL);
		return 0;
	}
	return n < 0 && errno != EAGAIN ? -errno : 0;
}
