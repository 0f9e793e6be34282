// SPDX-License-Identifier: GPL-2.0-or-later
/* IPv4/IPv6 prefixes: strict parsing, containment, overlap, printing. */
#include "prefix.h"
#include "proto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned int tb_prefix_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Do @a and @b agree on their first @len bits? */
static int tb_bits_equal(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int bytes = len / 8, rest = len % 8;

	if (memcmp(a, b, bytes))
		return 0;
	return !rest ||
	       !((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

static int tb_prefix_len(const char *s, unsigned int max, unsigned int *len)
{
	char *end;
	unsigned long v;

	if (!*s || strlen(s) > 3 || s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*len = (unsigned int)v;
	return 0;
}

/**
 * tb_prefix_parse() - read "ADDR" or "ADDR/LEN", IPv4 or IPv6
 * @host_bits_ok: 0 to refuse bits set past the prefix length (a network)
 *
 * A bare address is a host: /32 or /128.
 * Return: 0, or -1 with @why saying what is wrong.
 */
int tb_prefix_parse(const char *s, int host_bits_ok, struct tb_prefix *p,
		    char *why, size_t whylen)
{
	char addr[TB_PREFIX_STR_MAX], *slash;
	char shown[4 * TB_PREFIX_STR_MAX]; /* s for messages, escaped */
	struct tb_prefix net;

	memset(p, 0, sizeof(*p));
	tb_escape(s, strnlen(s, TB_PREFIX_STR_MAX), shown, sizeof(shown));
	if (strlen(s) >= sizeof(addr)) {
		snprintf(why, whylen, "'%.20s...' is too long for an address",
			 shown);
		return -1;
	}
	strcpy(addr, s);
	slash = strchr(addr, '/');
	if (slash)
		*slash++ = '\0';
	p->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, addr, p->addr) != 1) {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address",
			 shown);
		return -1;
	}
	p->len = tb_prefix_bits(p->family);
	if (slash && tb_prefix_len(slash, p->len, &p->len)) {
		snprintf(why, whylen, "'%s' has a bad prefix length (0-%u)",
			 shown, tb_prefix_bits(p->family));
		return -1;
	}
	if (host_bits_ok)
		return 0;
	net = *p;
	for (unsigned int b = p->len; b < tb_prefix_bits(p->family); b++)
		net.addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	if (!memcmp(net.addr, p->addr, sizeof(net.addr)))
		return 0;
	tb_prefix_format(&net, addr, sizeof(addr));
	snprintf(why, whylen, "'%s' has host bits set; write %s", shown, addr);
	return -1;
}

/* Is @inner (as a whole) within @outer? */
int tb_prefix_contains(const struct tb_prefix *outer,
		       const struct tb_prefix *inner)
{
	return outer->family == inner->family && inner->len >= outer->len &&
	       tb_bits_equal(outer->addr, inner->addr, outer->len);
}

int tb_prefix_overlap(const struct tb_prefix *a, const struct tb_prefix *b)
{
	return tb_prefix_contains(a, b) || tb_prefix_contains(b, a);
}

void tb_prefix_format(const struct tb_prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, len, "%s/%u", addr, p->len);
}
