/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VLAN id sets: "10,20-30" lists, as the helper, broker and policy read them. */
#ifndef TB_VLAN_H
#define TB_VLAN_H

#include <stddef.h>
#include <stdint.h>

#define TB_VLAN_MIN 1
#define TB_VLAN_MAX 4094
#define TB_VLAN_LIST_MAX 256 /* bytes of a "10,20-30" list, NUL included */

struct tb_vlan_set {
	uint8_t bits[(TB_VLAN_MAX + 8) / 8];
};

int tb_vlan_parse(const char *s, struct tb_vlan_set *set, char *why,
		  size_t whylen);
int tb_vlan_has(const struct tb_vlan_set *set, unsigned int vid);
void tb_vlan_add(struct tb_vlan_set *set, unsigned int vid);
int tb_vlan_empty(const struct tb_vlan_set *set);
int tb_vlan_subset(const struct tb_vlan_set *a, const struct tb_vlan_set *b,
		   unsigned int *first_out);
void tb_vlan_format(const struct tb_vlan_set *set, char *buf, size_t len);

#endif
