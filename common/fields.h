/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One parser per request field: tables, address lists, MTU, metric, MAC. */
#ifndef TB_FIELDS_H
#define TB_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

#define TB_TABLES 8 /* route tables of one routed tap */
#define TB_TABLE_MAIN 254u /* RT_TABLE_MAIN */
#define TB_MTU_MIN 68
#define TB_MTU_MAX 65535
#define TB_METRIC_DEFAULT 1024u /* the kernel's for IPv6, ours for both */
#define TB_MAC_STR_MAX 18 /* "02:00:00:00:00:01", NUL included */

/* A decimal number, digits only, at most @max.  Return: 0 or -1. */
int tb_number_parse(const char *s, unsigned long max, unsigned long *out);

/*
 * A route table: "main" or 1-4294967294, never 0 (unspec), 253 (default)
 * or 255 (local).  The one rule the policy, broker, helper and explain use.
 */
int tb_table_parse(const char *s, uint32_t *table, char *why, size_t whylen);

/* "main,100": at most TB_TABLES tables, none twice; "" gives none. */
int tb_tables_parse(const char *list, uint32_t tables[TB_TABLES], size_t *n,
		    char *why, size_t whylen);

/* "10.0.0.5,2001:db8::/64": at most @max prefixes, host bits refused. */
int tb_prefixes_parse(const char *list, struct tb_prefix *out, size_t max,
		      size_t *n, char *why, size_t whylen);

/* An MTU, TB_MTU_MIN-TB_MTU_MAX. */
int tb_mtu_check(unsigned long mtu, char *why, size_t whylen);

/* A metric "N", or a range "N-M" (@lo == @hi for one). */
int tb_metrics_parse(const char *s, uint32_t *lo, uint32_t *hi);

/* "52:54:00:12:34:56": a unicast, non-zero MAC address. */
int tb_mac_parse(const char *s, uint8_t mac[6], char *why, size_t whylen);
void tb_mac_format(const uint8_t mac[6], char *buf, size_t len);

#endif
