/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Leases (lease.c): what was handed out, recorded in the kernel. */
#ifndef TB_LEASE_H
#define TB_LEASE_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "fields.h"
#include "prefix.h"
#include "proto.h"

/* A link as tb_nl_link_info() reads it (for adopting, and leases). */
struct tb_link_info {
	int ifindex, master;
	unsigned int mtu, flags;
	char kind[16];
	int tun_type; /* IFF_TUN or IFF_TAP, 0 if not tun */
	int persist;
	uint32_t owner; /* (uint32_t)-1: none */
	uint32_t group; /* (uint32_t)-1: none */
	int multi_queue, vnet_hdr;
	unsigned int queues; /* multi_queue: fds attached, enabled or not */
	int carrier;
	unsigned short type; /* ARPHRD_* */
	int has_mac; /* adopted: put @mac back at the end */
	uint8_t mac[6];
};

enum tb_lease_kind {
	TB_LEASE_TAP,
	TB_LEASE_MACVTAP,
	TB_LEASE_ROUTED,
	TB_LEASE_ADOPTED, /* a pre-made tap: restored, never deleted */
};

/* A tap handed out: see lease.c. */
struct tb_lease {
	enum tb_lease_kind kind;
	int ifindex;
	char ifname[IFNAMSIZ];
	char dev[IFNAMSIZ]; /* its bridge, a macvtap's lower device, or "-" */
	int mode; /* macvtap */
	int pidfd; /* macvtap: the VM's pidfd, watched; else -1 */
	unsigned long long start; /* the VM's start time (/proc/PID/stat) */
	struct tb_link_info was; /* adopted: what to restore at the end */
	struct tb_prefix *addrs; /* routed: claimed, TB_ADDRS at most */
	size_t naddrs;
	uint32_t tables[TB_TABLES]; /* routed: where its routes are */
	size_t ntables;
	uint32_t metric; /* routed: its routes' metric */
	char proxy[IFNAMSIZ]; /* routed: uplink with proxy entries, or "" */
	uid_t uid;
	pid_t vm; /* the caller's parent (QEMU), 0 if unknown */
	unsigned int mtu; /* 0 if unknown (found after a restart) */
	char label[TB_LABEL_MAX]; /* --vm=NAME, or "" */
	uint64_t since; /* CLOCK_MONOTONIC seconds */
	uint32_t tun_owner; /* tap: the tun owner it must keep (TB_TUN_OWNER) */
	int ending; /* adopted: over, out of its bridge, until nothing holds it */
	int guarded; /* 1: its port has a guard (guard.c) to keep checked */
	uint8_t mac[6]; /* guarded: the guest's MAC (from its guard chain) */
	int router; /* guarded: the guest may act as a router */
	/* link events of one read, coalesced (tb_lease_link()): */
	int ev_seen; /* some arrived for it */
	int ev_carrier; /* the last one's carrier: 1, 0, or -1 if none said */
	int ev_owner; /* one said a tun owner other than tun_owner */
};

/* An ifalias holds 255 bytes (IFALIASZ less its NUL). */
#define TB_ALIAS_MAX 256

struct tb_broker;

/* lease.c: what was handed out, recorded in the kernel. */
void tb_lease_alias(char *buf, size_t len, uid_t uid, pid_t vm,
		    const char *bridge);
pid_t tb_lease_vm(pid_t pid, int launcher);
void tb_lease_alias_macvtap(char *buf, size_t len, const struct tb_lease *l);
void tb_lease_alias_label(char *buf, size_t len, const char *label);
int tb_lease_alias_addrs(char *buf, size_t len, const struct tb_prefix *a,
			 size_t n);

/* What /proc says about a process. */
struct tb_proc {
	char comm[16];
	pid_t ppid;
	unsigned long long start; /* clock ticks after boot */
	uid_t uid; /* real uid: filled by tb_proc_vm() only */
};

int tb_proc_read(pid_t pid, struct tb_proc *p);
int tb_proc_uid(pid_t pid, uid_t *uid);
pid_t tb_proc_vm(pid_t caller, int launcher, struct tb_proc *vm);
int tb_lease_watch(struct tb_broker *b, struct tb_lease *l);
void tb_lease_vm_exited(struct tb_broker *b, int pidfd);
int tb_lease_add(struct tb_broker *b, const struct tb_lease *l);
unsigned int tb_lease_count(const struct tb_broker *b, uid_t uid);
void tb_lease_link(void *arg, int ifindex, int gone, int carrier,
		   uint32_t tun_owner);
int tb_lease_tick(struct tb_broker *b);
void tb_lease_reap(struct tb_broker *b, int ifindex);
void tb_lease_events(struct tb_broker *b);
int tb_lease_rescan(struct tb_broker *b);
int tb_lease_release(struct tb_broker *b, const char *ifname, uid_t by);
int tb_lease_cancel(struct tb_broker *b, const char *ifname, const char *why);
struct tb_lease *tb_lease_named(struct tb_broker *b, const char *ifname);
void tb_lease_free(struct tb_broker *b);

#endif
