/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tenant.c: what a tenant holding a tap fd can fake; what is read instead. */
#ifndef TB_TENANT_H
#define TB_TENANT_H

#include "broker.h"

#define TB_TUN_OWNER 0u /* tun owner of every tap leased: only root attaches */

/* What the kernel says of a tap lease (tb_tenant_hold()). */
enum tb_hold {
	TB_HOLD_GONE, /* no such tap any more */
	TB_HOLD_FREE, /* no fd attached */
	TB_HOLD_HELD, /* an fd is attached, or it cannot be told now */
	TB_HOLD_STOLEN, /* its tun owner is not the lease's (TUNSETOWNER) */
	TB_HOLD_DEBUG, /* its holder turned on driver messages (TUNSETDEBUG) */
};

enum tb_hold tb_tenant_hold(struct tb_broker *b, const struct tb_lease *l,
			    int *probe);
int tb_tenant_own(const struct tb_lease *l, const struct tb_link_info *info);
void tb_tenant_put_back(struct tb_broker *b, const struct tb_lease *l,
			int probe);
int tb_tenant_pin_bridge(struct tb_broker *b, const char *name, int ifindex,
			 struct tb_reply *rep);

/* tun.c */
int tb_tun_set_owner(int fd, uint32_t owner);
void tb_tun_reset(int fd, uint32_t owner);
int tb_tun_debug_off(const char *ifname);

/* netlink.c */
int tb_nl_link_isolate(struct tb_nl *nl, int ifindex);
int tb_nl_link_mac_pin(struct tb_nl *nl, int ifindex, uint8_t mac[6]);

#endif
