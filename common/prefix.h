/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4/IPv6 prefixes ("10.0.0.0/24", "2001:db8::5"), parsed and compared. */
#ifndef TB_PREFIX_H
#define TB_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#define TB_PREFIX_STR_MAX 50 /* "ffff:...:ffff/128", NUL included */

struct tb_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned int len; /* prefix length */
};

int tb_prefix_parse(const char *s, int host_bits_ok, struct tb_prefix *p,
		    char *why, size_t whylen);
int tb_prefix_contains(const struct tb_prefix *outer,
		       const struct tb_prefix *inner);
int tb_prefix_overlap(const struct tb_prefix *a, const struct tb_prefix *b);
void tb_prefix_format(const struct tb_prefix *p, char *buf, size_t len);

#endif
