/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /dev/net/tun and /dev/tapN (tun.c). */
#ifndef TB_TUN_H
#define TB_TUN_H

#include <net/if.h>
#include <sys/types.h>
#include "proto.h"

/* tun.c: /dev/net/tun. */
int tb_tun_init(void);
int tb_tun_create(unsigned int iff, char ifname[IFNAMSIZ], int *ifindex);
int tb_macvtap_open(int ifindex, unsigned int iff);
int tb_tun_attach(const char *name, unsigned int iff);
unsigned int tb_tun_flags(const struct tb_request *req);
int tb_tun_pool_create(char ifname[IFNAMSIZ], int *ifindex);
int tb_tun_index(const char *name);

#endif
