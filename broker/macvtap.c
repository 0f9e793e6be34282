// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A macvtap on a lower device, instead of a tap in a bridge.
 *
 * Unlike a tap, a macvtap outlives the fd on its /dev/tapN: closing it does
 * not delete the interface.  So its lease is tied to the VM process (the
 * caller's parent, which must run as the caller), watched with a pidfd;
 * when the VM exits the broker deletes the macvtap (lease.c).
 */
#include "broker.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TB_MACVTAP_TRIES 64

/* The VM (tb_proc_vm()), which must belong to the caller. */
static int tb_macvtap_vm(const struct tb_who *who, pid_t caller,
			 const struct tb_request *req, struct tb_lease *l,
			 struct tb_reply *rep)
{
	struct tb_proc vm;
	pid_t pid = tb_proc_vm(caller, !!(req->flags & TB_F_LAUNCHER), &vm);
	uid_t uid = (uid_t)-1;

	if (!pid || tb_proc_uid(pid, &uid))
		return tb_refuse(
			rep, -ESRCH,
			"cannot tell which process is the VM: the caller (pid %d) has no parent to watch; let QEMU run the helper (helper=)",
			(int)caller);
	if (uid != who->uid)
		return tb_refuse(
			rep, -EPERM,
			"the caller's parent (pid %d) runs as uid %u, not %u: a macvtap lasts as long as the VM that asks for it, so QEMU must run the helper itself",
			(int)pid, (unsigned int)uid, (unsigned int)who->uid);
	l->vm = pid;
	l->start = vm.start;
	return 0;
}

/* Mode, name, policy: everything decided before the kernel is touched. */
static int tb_macvtap_decide(struct tb_broker *b, const struct tb_who *who,
			     const struct tb_request *req, struct tb_lease *l,
			     struct tb_reply *rep)
{
	char why[128], shown[64];
	struct tb_decision d;

	l->mode = req->mode[0] ? tb_macvtap_mode(req->mode) : TB_MODE_VEPA;
	if (!l->mode) {
		tb_escape(req->mode, strlen(req->mode), shown, sizeof(shown));
		return tb_refuse(
			rep, -EINVAL,
			"macvtap mode '%s' is not one of vepa, bridge, private, passthru, source",
			shown);
	}
	if (tb_ifname_check(req->lower, why, sizeof(why))) {
		tb_escape(req->lower, strlen(req->lower), shown, sizeof(shown));
		return tb_refuse(rep, -EINVAL,
				 "macvtap lower device name '%s' %s", shown,
				 why);
	}
	tb_policy_decide_macvtap(b->policy, who, req->lower, l->mode, &d);
	if (!d.allow)
		return tb_refuse(rep, -EPERM, "%s", d.reason);
	snprintf(rep->message, sizeof(rep->message), "%s", d.reason);
	return tb_quota_check(b, who, rep);
}

/* The lower device's ifindex, and the MTU: asked for, or the lower's. */
static int tb_macvtap_lower(struct tb_broker *b, const struct tb_who *who,
			    const struct tb_request *req, int *lower,
			    struct tb_lease *l, struct tb_reply *rep)
{
	unsigned int lmtu;
	struct tb_decision d;
	int err = tb_nl_link_get(b->nl, req->lower, lower, &lmtu);

	if (err == -ENODEV)
		return tb_refuse(
			rep, err,
			"macvtap lower device %s does not exist (see ip link)",
			req->lower);
	if (err)
		return tb_refuse(rep, err, "cannot look up %s: %s", req->lower,
				 strerror(-err));
	l->mtu = req->mtu ? req->mtu : lmtu;
	if (l->mtu < TB_MTU_MIN || l->mtu > lmtu)
		return tb_refuse(
			rep, -EINVAL,
			"MTU %u is outside %d-%u (the most is lower device %s's MTU %u)",
			l->mtu, TB_MTU_MIN, lmtu, req->lower, lmtu);
	tb_policy_decide_mtu(b->policy, who, req->lower, l->mtu, &d);
	return d.allow ? 0 : tb_refuse(rep, -EPERM, "%s", d.reason);
}

/* Creates the interface under the first free name tbmN. */
static int tb_macvtap_create(struct tb_broker *b, int lower, struct tb_lease *l,
			     struct tb_reply *rep)
{
	uint8_t mac[6];
	unsigned int mtu;
	int err = tb_tap_mac(mac);

	for (int i = 0; !err && i < TB_MACVTAP_TRIES; i++) {
		snprintf(l->ifname, sizeof(l->ifname), "tbm%u",
			 b->macvtap_seq++ % 100000);
		err = tb_nl_macvtap_add(b->nl, l->ifname, lower, l->mode,
					l->mtu, mac);
		if (err != -EEXIST)
			break;
		err = 0;
	}
	if (!err)
		err = tb_nl_link_get(b->nl, l->ifname, &l->ifindex, &mtu);
	if (err)
		return tb_refuse(rep, err, "cannot create a macvtap on %s: %s",
				 l->bridge, strerror(-err));
	return 0;
}

/**
 * tb_do_macvtap() - carry out a macvtap request from @who
 *
 * Same order as a tap: check, decide, then touch the kernel; any failure
 * after the interface exists deletes it.
 *
 * Return: 0 with *@fd open on /dev/tapN, or -errno with @rep saying why.
 */
int tb_do_macvtap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		  const struct tb_request *req, struct tb_reply *rep, int *fd)
{
	struct tb_lease l = {
		.kind = TB_LEASE_MACVTAP, .uid = who->uid, .pidfd = -1};
	char alias[160];
	int lower, err;

	snprintf(l.bridge, sizeof(l.bridge), "%s", req->lower);
	err = tb_macvtap_decide(b, who, req, &l, rep);
	if (!err)
		err = tb_macvtap_vm(who, caller, req, &l, rep);
	if (!err)
		err = tb_macvtap_lower(b, who, req, &lower, &l, rep);
	if (!err)
		err = tb_macvtap_create(b, lower, &l, rep);
	if (err)
		return err;
	*fd = tb_macvtap_open(l.ifindex, tb_tun_flags(req));
	snprintf(l.label, sizeof(l.label), "%s", req->label);
	tb_lease_alias_macvtap(alias, sizeof(alias), &l);
	tb_lease_alias_label(alias, sizeof(alias), l.label);
	err = *fd < 0 ? *fd : tb_nl_link_up(b->nl, l.ifindex, alias);
	if (!err)
		err = tb_lease_watch(b, &l);
	if (!err)
		err = tb_lease_add(b, &l);
	if (err) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		if (l.pidfd >= 0)
			close(l.pidfd);
		tb_nl_link_del(b->nl, l.ifindex);
		return tb_refuse(rep, err, "cannot set up macvtap %s: %s",
				 l.ifname, strerror(-err));
	}
	snprintf(rep->ifname, sizeof(rep->ifname), "%s", l.ifname);
	rep->status = 0;
	return 0;
}
