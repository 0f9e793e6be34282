// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Adopting a pre-made tap (systemd-networkd, microvm.nix style): an admin
 * made a persistent tap; a user the policy names may have it put in a
 * bridge, with VLANs and MTU, and handed over.  When the lease ends the
 * tap is put back as it was (MAC, master, MTU, up or down, tun owner),
 * never deleted, and only once nothing holds it (lease.c).  A tap whose
 * tun owner is another (non-root) uid is never adopted, nor one that
 * something holds already.  While leased its tun owner is root
 * (TB_TUN_OWNER): with the caller as owner the caller could attach more
 * queues by name, past its queues ceiling; with none, anyone could, into
 * a bridge they were never granted.
 */
#include "broker.h"
#include "pool.h"
#include "port.h"
#include "tenant.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is @info a free persistent tap that @who may take?  Refuses with why. */
static int tb_adopt_check(const struct tb_broker *b, const struct tb_who *who,
			  const char *name, const struct tb_link_info *info,
			  struct tb_reply *rep)
{
	if (strcmp(info->kind, "tun") || info->tun_type != IFF_TAP)
		return tb_refuse(rep, -EMEDIUMTYPE,
				 "%s is not a tap (it is a %s device)", name,
				 info->kind[0] ? info->kind : "plain");
	if (!info->persist)
		return tb_refuse(
			rep, -EBUSY,
			"%s is not persistent: someone's open fd is all that keeps it",
			name);
	for (size_t i = 0; i < b->nleases; i++)
		if (b->leases[i].ifindex == info->ifindex)
			return tb_refuse(
				rep, -EBUSY,
				"%s is already leased (see tapbroker status)",
				name);
	/* root: a tap that had no owner before its first lease (the
	 * kernel cannot unset an owner), or an admin's own choice */
	if (info->owner != (uint32_t)-1 && info->owner != TB_TUN_OWNER &&
	    info->owner != who->uid)
		return tb_refuse(
			rep, -EPERM,
			"%s belongs to uid %u (its tun owner), not to uid %u",
			name, info->owner, (unsigned int)who->uid);
	return 0;
}

/* "was=MASTER,MTU,UP,OWNER" in the alias: a restarted broker can restore
 * it (OWNER 4294967295: none). */
static void tb_adopt_alias(char *buf, size_t len, const struct tb_who *who,
			   pid_t vm, const char *bridge,
			   const struct tb_link_info *was)
{
	char base[96];

	tb_lease_alias(base, sizeof(base), who->uid, vm, bridge);
	snprintf(buf, len, "%s was=%d,%u,%d,%u", base, was->master, was->mtu,
		 !!(was->flags & IFF_UP), was->owner);
}

/*
 * Makes root the tun owner of adopted tap @name, through the broker's
 * attached @fd, then checks that no other fd got in before: a multi_queue
 * tap with no owner (or the caller as owner) could have gained queues by
 * name between the lookup and now.  On failure @fd is closed.
 */
static int tb_adopt_take(struct tb_broker *b, const char *name, int fd,
			 const struct tb_link_info *was, struct tb_reply *rep)
{
	struct tb_link_info now;
	int err = tb_tun_set_owner(fd, TB_TUN_OWNER);

	if (!err)
		err = tb_nl_link_info(b->nl, name, &now);
	if (!err && now.multi_queue && now.queues > 1)
		err = -EBUSY;
	if (!err)
		return 0;
	tb_tun_reset(fd, was->owner);
	close(fd);
	return tb_refuse(rep, err, "cannot take %s: %s", name,
			 err == -EBUSY ? "something else holds queues of it"
				       : strerror(-err));
}

/* Opens the adopted tap's first queue; refuses with why. */
static int tb_adopt_open(const struct tb_request *req, struct tb_reply *rep)
{
	int fd = tb_tun_attach(req->adopt, tb_tun_flags(req));

	if (fd == -EINVAL && req->queues > 1)
		return tb_refuse(
			rep, fd,
			"cannot open %s with %u queues: it was not made with multi_queue (ip tuntap add %s mode tap multi_queue)",
			req->adopt, req->queues, req->adopt);
	if (fd == -EINVAL)
		return tb_refuse(
			rep, fd,
			"cannot open %s: it was made with multi_queue; ask for its queues with tapbroker-helper run --queues=N",
			req->adopt);
	if (fd < 0)
		return tb_refuse(rep, fd, "cannot open %s: %s", req->adopt,
				 fd == -EBUSY ? "something holds it already"
					      : strerror(-fd));
	return fd;
}

/* The kernel's facts about the tap to adopt, checked (tb_adopt_check()). */
static int tb_adopt_facts(struct tb_broker *b, const struct tb_who *who,
			  const char *name, struct tb_link_info *was,
			  struct tb_reply *rep)
{
	int err;

	if (tb_pool_named(name))
		return tb_refuse(
			rep, -EBUSY,
			"%s is a tap of the broker's warm pool, not one to adopt; ask for a tap in its bridge instead",
			name);
	err = tb_nl_link_info(b->nl, name, was);
	if (err == -ENODEV)
		return tb_refuse(
			rep, err,
			"%s does not exist (an admin makes it: ip tuntap add %s mode tap user %u)",
			name, name, (unsigned int)who->uid);
	if (err)
		return tb_refuse(rep, err, "cannot look up %s: %s", name,
				 strerror(-err));
	return tb_adopt_check(b, who, name, was, rep);
}

/*
 * The lease's record (the ifalias, with how to put the tap back) first,
 * then the tap made root's (tb_adopt_take()), through @fd, which the
 * broker holds so that nobody else attaches meanwhile.  In this order a
 * broker killed in between leaves a tap that a restarted broker finds and
 * puts back as it was; the other order would leave it root's, unrecorded.
 * Return: @fd, or -errno with @rep saying why (@fd closed, alias cleared).
 */
static int tb_adopt_record(struct tb_broker *b, const char *name, int fd,
			   const char *alias, const struct tb_link_info *was,
			   struct tb_reply *rep)
{
	int err = tb_nl_link_config(b->nl, was->ifindex, 0, was->mtu, NULL,
				    alias);

	if (err) {
		close(fd);
		return tb_refuse(rep, err, "cannot record the lease on %s: %s",
				 name, strerror(-err));
	}
	/* root's while leased; closes the fd on failure */
	if (!tb_adopt_take(b, name, fd, was, rep))
		return fd;
	tb_nl_link_config(b->nl, was->ifindex, 0, was->mtu, NULL, "");
	return rep->status;
}

/**
 * tb_adopt_port() - take the pre-made tap @plan->adopt into its bridge
 * @port:	master, MTU and VLANs, as tb_do_tap() fitted them
 *
 * Return: the tap's fd, or -errno with @rep saying why (the tap is put
 * back as it was).
 */
int tb_adopt_port(struct tb_broker *b, const struct tb_who *who, pid_t vm,
		  const struct tb_request *req, const struct tb_plan *plan,
		  struct tb_port *port, struct tb_reply *rep)
{
	struct tb_lease l = {.kind = TB_LEASE_ADOPTED,
			     .uid = who->uid,
			     .vm = vm,
			     .mtu = port->mtu,
			     .pidfd = -1};
	struct tb_undo u;
	char alias[TB_ALIAS_MAX];
	int err;

	tb_undo_init(&u);
	err = tb_adopt_facts(b, who, plan->adopt, &l.was, rep);
	if (err)
		return err;
	tb_adopt_alias(alias, sizeof(alias), who, vm, plan->dev, &l.was);
	tb_lease_alias_label(alias, sizeof(alias), req->label);
	err = tb_adopt_open(req, rep);
	if (err >= 0)
		err = tb_adopt_record(b, plan->adopt, err, alias, &l.was, rep);
	if (err < 0)
		return err;
	u.fd = err;
	u.ifindex = l.ifindex = l.was.ifindex;
	u.was = l.was;
	snprintf(l.ifname, sizeof(l.ifname), "%s", plan->adopt);
	snprintf(l.dev, sizeof(l.dev), "%s", plan->dev);
	snprintf(l.label, sizeof(l.label), "%s", req->label);
	port->alias = alias;
	port->mac = NULL; /* an adopted tap keeps its own */
	err = tb_lease_alias_addrs(alias, sizeof(alias), plan->addrs,
				   plan->naddrs)
		      ? tb_alias_full(rep)
		      : tb_port_setup(b, &u, port, plan, rep);
	err = tb_port_finish(b, &u, &l, plan, err, rep);
	if (err < 0)
		return rep->status ? rep->status
				   : tb_refuse(rep, err,
					       "cannot add %s to bridge %s: %s",
					       plan->adopt, plan->dev,
					       strerror(-err));
	snprintf(rep->ifname, sizeof(rep->ifname), "%s", plan->adopt);
	return err;
}
