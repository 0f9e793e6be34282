// SPDX-License-Identifier: GPL-2.0-or-later
/* One parser per request field, shared by policy, broker, helper, explain. */
#include "fields.h"
#include "proto.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tb_number_parse(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 10)
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*end && !errno && *out <= max ? 0 : -1;
}

int tb_table_parse(const char *s, uint32_t *table, char *why, size_t whylen)
{
	unsigned long t = TB_TABLE_MAIN;

	if (strcmp(s, "main") && (tb_number_parse(s, 0xfffffffeUL, &t) ||
				  t == 0 || t == 253 || t == 255)) {
		snprintf(
			why, whylen,
			"table '%.20s' is not main or a number 1-4294967294 other than 253 (default) and 255 (local)",
			s);
		return -1;
	}
	*table = (uint32_t)t;
	return 0;
}

int tb_tables_parse(const char *list, uint32_t tables[TB_TABLES], size_t *n,
		    char *why, size_t whylen)
{
	char copy[256], *save = NULL, *item;

	*n = 0;
	if (strlen(list) >= sizeof(copy)) {
		snprintf(why, whylen, "the table list is too long");
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", list);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		if (*n == TB_TABLES) {
			snprintf(why, whylen, "more than %d tables", TB_TABLES);
			return -1;
		}
		if (tb_table_parse(item, &tables[*n], why, whylen))
			return -1;
		for (size_t i = 0; i < *n; i++)
			if (tables[i] == tables[*n]) {
				snprintf(why, whylen, "table %u given twice",
					 tables[i]);
				return -1;
			}
		(*n)++;
	}
	return 0;
}

int tb_prefixes_parse(const char *list, struct tb_prefix *out, size_t max,
		      size_t *n, char *why, size_t whylen)
{
	char copy[1024], *save = NULL, *item;

	*n = 0;
	if (strlen(list) >= sizeof(copy)) {
		snprintf(why, whylen, "the address list is too long");
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", list);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		if (*n == max) {
			snprintf(why, whylen, "more than %zu addresses", max);
			return -1;
		}
		if (tb_prefix_parse(item, 0, &out[(*n)++], why, whylen))
			return -1;
	}
	return 0;
}

int tb_mtu_check(unsigned long mtu, char *why, size_t whylen)
{
	if (mtu >= TB_MTU_MIN && mtu <= TB_MTU_MAX)
		return 0;
	snprintf(why, whylen, "MTU %lu is out of range (%d-%d)", mtu,
		 TB_MTU_MIN, TB_MTU_MAX);
	return -1;
}

int tb_metrics_parse(const char *s, uint32_t *lo, uint32_t *hi)
{
	char a[16] = "", b[16] = "";
	unsigned long l, h;

	if (sscanf(s, "%15[0-9]-%15[0-9]", a, b) < 1 ||
	    tb_number_parse(a, 0xffffffffUL, &l) ||
	    tb_number_parse(b[0] ? b : a, 0xffffffffUL, &h) || h < l ||
	    strlen(s) != strlen(a) + (b[0] ? strlen(b) + 1 : 0))
		return -1;
	*lo = (uint32_t)l;
	*hi = (uint32_t)h;
	return 0;
}

int tb_mac_parse(const char *s, uint8_t mac[6], char *why, size_t whylen)
{
	int ok = strlen(s) == 17;

	for (int i = 0; ok && i < 6; i++) {
		ok = isxdigit((unsigned char)s[3 * i]) &&
		     isxdigit((unsigned char)s[3 * i + 1]) &&
		     (i == 5 || s[3 * i + 2] == ':');
		if (ok)
			mac[i] = (uint8_t)strtoul(s + 3 * i, NULL, 16);
	}
	if (!ok) {
		char shown[84]; /* 20 bytes, each escaped as \xNN at worst */

		tb_escape(s, strnlen(s, 20), shown, sizeof(shown));
		snprintf(why, whylen,
			 "'%s' is not a MAC address like 52:54:00:12:34:56",
			 shown);
		return -1;
	}
	if (mac[0] & 1 ||
	    !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		snprintf(why, whylen,
			 "MAC %s is %s: give the guest NIC's unicast MAC", s,
			 mac[0] & 1 ? "multicast" : "all zero");
		return -1;
	}
	return 0;
}

void tb_mac_format(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}
