// SPDX-License-Identifier: GPL-2.0-or-later
/* VLAN id sets: parse and print "10,20-30", test membership and subsets. */
#include "vlan.h"

#include <stdio.h>
#include <string.h>

int tb_vlan_has(const struct tb_vlan_set *set, unsigned int vid)
{
	return vid >= TB_VLAN_MIN && vid <= TB_VLAN_MAX &&
	       (set->bits[vid / 8] >> (vid % 8)) & 1;
}

void tb_vlan_add(struct tb_vlan_set *set, unsigned int vid)
{
	if (vid >= TB_VLAN_MIN && vid <= TB_VLAN_MAX)
		set->bits[vid / 8] |= (uint8_t)(1u << (vid % 8));
}

int tb_vlan_empty(const struct tb_vlan_set *set)
{
	for (size_t i = 0; i < sizeof(set->bits); i++)
		if (set->bits[i])
			return 0;
	return 1;
}

/* Is every id of @a in @b?  If not, *@first_out is the first that is not. */
int tb_vlan_subset(const struct tb_vlan_set *a, const struct tb_vlan_set *b,
		   unsigned int *first_out)
{
	for (unsigned int v = TB_VLAN_MIN; v <= TB_VLAN_MAX; v++)
		if (tb_vlan_has(a, v) && !tb_vlan_has(b, v)) {
			*first_out = v;
			return 0;
		}
	return 1;
}

/* One id: 1-4094, decimal digits only.  Returns the id, or 0. */
static unsigned int tb_vlan_id(const char *s, size_t n)
{
	unsigned int v = 0;

	if (n == 0 || n > 4)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	return v >= TB_VLAN_MIN && v <= TB_VLAN_MAX ? v : 0;
}

/* One "N" or "N-M" item of length @n; adds it to @set. */
static int tb_vlan_item(const char *s, size_t n, struct tb_vlan_set *set,
			char *why, size_t whylen)
{
	const char *dash = memchr(s, '-', n);
	unsigned int lo, hi;

	lo = tb_vlan_id(s, dash ? (size_t)(dash - s) : n);
	hi = dash ? tb_vlan_id(dash + 1, n - (size_t)(dash - s) - 1) : lo;
	if (!lo || !hi || hi < lo) {
		snprintf(why, whylen,
			 "'%.*s' is not a VLAN id (1-4094) or a range N-M",
			 (int)(n > 32 ? 32 : n), s);
		return -1;
	}
	for (unsigned int v = lo; v <= hi; v++)
		tb_vlan_add(set, v);
	return 0;
}

/**
 * tb_vlan_parse() - add the ids of "10,20-30" to @set
 *
 * Return: 0, or -1 with @why saying which item is wrong.
 */
int tb_vlan_parse(const char *s, struct tb_vlan_set *set, char *why,
		  size_t whylen)
{
	size_t len = strnlen(s, TB_VLAN_LIST_MAX);

	if (len == 0 || len >= TB_VLAN_LIST_MAX) {
		snprintf(why, whylen, "a VLAN list must be 1-%d characters",
			 TB_VLAN_LIST_MAX - 1);
		return -1;
	}
	while (*s) {
		size_t n = strcspn(s, ",");

		if (tb_vlan_item(s, n, set, why, whylen))
			return -1;
		if (s[n] == ',' && !s[n + 1]) {
			snprintf(why, whylen, "a VLAN list ends with ','");
			return -1;
		}
		s += n + (s[n] == ',');
	}
	return 0;
}

/* "10, 20-30", cut with "..." if @len is short. */
void tb_vlan_format(const struct tb_vlan_set *set, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int v = TB_VLAN_MIN, end;

	buf[0] = '\0';
	while (v <= TB_VLAN_MAX) {
		if (!tb_vlan_has(set, v)) {
			v++;
			continue;
		}
		for (end = v; end < TB_VLAN_MAX && tb_vlan_has(set, end + 1);)
			end++;
		if (used + 16 >= len) {
			snprintf(buf + used, len - used, "%s...",
				 used ? ", " : "");
			return;
		}
		used += (size_t)(end > v ? snprintf(buf + used, len - used,
						    "%s%u-%u", used ? ", " : "",
						    v, end)
					 : snprintf(buf + used, len - used,
						    "%s%u", used ? ", " : "",
						    v));
		v = end + 1;
	}
}
