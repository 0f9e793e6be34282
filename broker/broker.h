/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker daemon's state.  Each module declares what it offers in its
 * own header (lease.h, netlink.h, ...), which its users include.  This
 * file still includes them all so that code written against the old
 * catch-all header builds unchanged while branches merge; new code
 * includes the headers it uses and adds nothing here.
 */
#ifndef TB_BROKER_H
#define TB_BROKER_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "proto.h"
#include "vlan.h"

#include "admin.h"
#include "admin-cli.h"
#include "adopt.h"
#include "closer.h"
#include "explain.h"
#include "lease.h"
#include "log.h"
#include "loop.h"
#include "macvtap.h"
#include "netlink.h"
#include "privilege.h"
#include "queues.h"
#include "request.h"
#include "routed.h"
#include "server.h"
#include "tun.h"

struct tb_nl;
struct tb_loop;

struct tb_broker {
	const char *config;
	const char *qemu_acl;
	const char *socket_path;
	int foreground;
	int activated; /* the socket came from systemd: not ours to unlink */
	enum tb_seccomp_mode seccomp;
	struct tb_policy *policy;
	struct tb_nl *nl;
	int listen_fd;
	int events_fd; /* rtnetlink link events */
	struct tb_loop *loop;
	struct tb_lease *leases;
	size_t nleases, cap;
	unsigned int macvtap_seq; /* next tbmN name to try */
	unsigned int reap_pending; /* ended taps waiting in the reap group */
	uint64_t reap_since, swept; /* ms, CLOCK_MONOTONIC */
	struct tb_guard_ctx *guard; /* nftables, for guarded ports; or NULL */
	unsigned int ending; /* adopted leases waiting to be let go */
	uint64_t ending_swept; /* ms: their last check */
};

#endif
