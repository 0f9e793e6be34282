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
#include "port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The lower device's ifindex, and the MTU: the plan's, or the lower's
 * within the plan's ceiling; never above the lower's (a kernel fact). */
static int tb_macvtap_lower(struct tb_broker *b, const struct tb_plan *plan,
			    int *lower, struct tb_lease *l,
			    struct tb_reply *rep)
{
	unsigned int lmtu, ceiling = plan->mtu_ceiling.limit;
	int err = tb_nl_link_get(b->nl, plan->dev, lower, &lmtu);

	if (err == -ENODEV)
		return tb_refuse(
			rep, err,
			"macvtap lower device %s does not exist (see ip link)",
			plan->dev);
	if (err)
		return tb_refuse(rep, err, "cannot look up %s: %s", plan->dev,
				 strerror(-err));
	l->mtu = plan->mtu ? plan->mtu : lmtu < ceiling ? lmtu : ceiling;
	if (l->mtu < TB_MTU_MIN || l->mtu > lmtu)
		return tb_refuse(
			rep, -EINVAL,
			"MTU %u is outside %d-%u (the most is lower device %s's MTU %u)",
			l->mtu, TB_MTU_MIN, lmtu, plan->dev, lmtu);
	return 0;
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
				 l->dev, strerror(-err));
	return 0;
}

/**
 * tb_do_macvtap() - carry out a macvtap plan for @who
 *
 * The facts (the VM, the lower device and its MTU), then the interface,
 * its queue, the port sequence (port.c), the VM's watch and the lease;
 * any failure rolls back the one undo record.
 *
 * Return: the fd on /dev/tapN, or -errno with @rep saying why.
 */
int tb_do_macvtap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		  const struct tb_request *req, const struct tb_plan *plan,
		  struct tb_reply *rep)
{
	struct tb_lease l = {.kind = TB_LEASE_MACVTAP,
			     .uid = who->uid,
			     .pidfd = -1,
			     .mode = plan->mode};
	struct tb_port port = {0};
	struct tb_undo u;
	char alias[TB_ALIAS_MAX];
	int lower, err;

	tb_undo_init(&u);
	snprintf(l.dev, sizeof(l.dev), "%s", plan->dev);
	snprintf(l.label, sizeof(l.label), "%s", req->label);
	err = tb_macvtap_vm(who, caller, req, &l, rep);
	if (!err)
		err = tb_macvtap_lower(b, plan, &lower, &l, rep);
	if (!err)
		err = tb_macvtap_create(b, lower, &l, rep);
	if (err)
		return err;
	u.made = 1;
	u.ifindex = l.ifindex;
	u.fd = tb_macvtap_open(l.ifindex, tb_tun_flags(req));
	tb_lease_alias_macvtap(alias, sizeof(alias), &l);
	tb_lease_alias_label(alias, sizeof(alias), l.label);
	port = (struct tb_port){.mtu = l.mtu, .alias = alias};
	if (u.fd >= 0 && tb_lease_alias_addrs(alias, sizeof(alias), plan->addrs,
					      plan->naddrs))
		err = tb_alias_full(rep);
	else
		err = u.fd < 0 ? u.fd : tb_port_setup(b, &u, &port, plan, rep);
	if (!err)
		err = tb_lease_watch(b, &l);
	u.pidfd = l.pidfd;
	if (!err && (err = tb_lease_claim(&l, plan, rep)) == 0)
		err = tb_port_record(b, &u, &l, rep);
	if (err < 0) {
		free(l.addrs);
		tb_undo_rollback(b, &u);
		return rep->status ? rep->status
				   : tb_refuse(rep, err,
					       "cannot set up macvtap %s: %s",
					       l.ifname, strerror(-err));
	}
	snprintf(rep->ifname, sizeof(rep->ifname), "%s", l.ifname);
	return err;
}
