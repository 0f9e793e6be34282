// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Carrying out a plan.  Every kind of lease (a new tap, an adopted tap, a
 * macvtap, a routed tap) goes the same way once its interface exists:
 *
 *	alias, MAC, MTU, master	one message (tb_nl_link_config())
 *	VLANs			bridge ports that ask for them
 *	guard			the plan's guard (issue 13: broker/guard.c)
 *	up			last: never up outside its bridge or VLANs
 *	record			the lease (lease.c)
 *
 * and one undo record (struct tb_undo) grows as each step is done, so a
 * failure at any step undoes exactly what was done.
 */
#include "port.h"
#include "guard.h"
#include "tenant.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tb_undo_init(struct tb_undo *u)
{
	*u = (struct tb_undo){.fd = -1, .pidfd = -1};
}

/**
 * tb_undo_rollback() - undo what @u records, in reverse order
 *
 * A made interface is deleted (its routes and addresses go with it, and a
 * bridge whose MTU it lowered gets its own back); an adopted one is put
 * back as it was.  Then @u->extra repairs what other leases share.
 */
void tb_undo_rollback(struct tb_broker *b, struct tb_undo *u)
{
	char ifname[IFNAMSIZ];

	if (u->ifindex && !tb_nl_link_name(b->nl, u->ifindex, ifname))
		tb_port_unguard(b, ifname, u->ifindex, 1);
	if (u->fd >= 0 && u->ifindex && !u->made) /* adopted: its owner back */
		tb_tun_reset(u->fd, u->was.owner);
	if (u->fd >= 0)
		close(u->fd);
	if (u->pidfd >= 0)
		close(u->pidfd);
	if (u->ifindex && u->made)
		tb_nl_link_del(b->nl, u->ifindex);
	else if (u->ifindex)
		tb_nl_link_restore(b->nl, &u->was);
	if (u->extra)
		u->extra(b, u->extra_arg);
	tb_undo_init(u);
}

/* Can this broker install a guard?  Once its nft context is open. */
int tb_guard_available(void)
{
	return tb_guard_opened();
}

/* The guard of port @ifindex as @plan grants it. */
static int tb_port_guard_of(struct tb_broker *b, int ifindex,
			    const struct tb_plan *plan, struct tb_guard *g)
{
	*g = (struct tb_guard){.ifindex = ifindex,
			       .addrs = plan->addrs,
			       .naddrs = plan->naddrs,
			       .router = plan->router,
			       .bridged = plan->kind == TB_PLAN_TAP,
			       .macvtap = plan->kind == TB_PLAN_MACVTAP};
	memcpy(g->mac, plan->mac, sizeof(g->mac));
	if (plan->kind == TB_PLAN_TAP && plan->vlans) {
		g->pvid = plan->access;
		g->tagged = &plan->tagged;
	}
	return tb_nl_link_name(b->nl, ifindex, g->ifname);
}

/**
 * tb_port_guard() - install the plan's guard on the port, before it is up
 *
 * All or nothing (broker/guard.c); a plan that asks for a guard this
 * broker cannot make is refused, closed: a port a rule says must be
 * guarded is never handed out unguarded.
 * Return: 0, or -errno (the reason is logged).
 */
int tb_port_guard(struct tb_broker *b, int ifindex, const struct tb_plan *plan,
		  struct tb_reply *rep)
{
	char why[TB_MESSAGE_MAX] = "";
	struct tb_guard g;
	int err;

	if (!plan->guard)
		return 0;
	if (!b->guard || !plan->has_mac)
		return -EOPNOTSUPP;
	err = tb_port_guard_of(b, ifindex, plan, &g);
	if (!err)
		err = tb_guard_install(b->guard, b->nl, &g, why, sizeof(why));
	if (!err)
		return 0;
	tb_log(LOG_WARNING, "guard of ifindex %d: %s", ifindex,
	       why[0] ? why : strerror(-err));
	if (rep)
		tb_refuse(rep, err,
			  "cannot guard %s (guard = yes by %s), refused: %s",
			  g.ifname[0] ? g.ifname : "the port", plan->guard_src,
			  why[0] ? why : strerror(-err));
	return err;
}

/**
 * tb_port_unguard() - remove the guard of port @ifname, if it has one
 * @bridged:	a bridge port (its lock and FDB entries are undone too)
 *
 * At a lease's end and in a rollback: the kernel may keep a netdev chain
 * after its device goes, and hook it onto the next device of that name.
 */
void tb_port_unguard(struct tb_broker *b, const char *ifname, int ifindex,
		     int bridged)
{
	struct tb_guard g = {.ifindex = ifindex, .bridged = bridged};
	struct tb_guard_found f = {{0}, 0, 0};
	char why[TB_MESSAGE_MAX];
	int err;

	if (!b->guard || tb_guard_exists(b->guard, ifname) != 1)
		return;
	snprintf(g.ifname, sizeof(g.ifname), "%s", ifname);
	tb_guard_verify(b->guard, b->nl, &g, &f, why, sizeof(why));
	memcpy(g.mac, f.mac, sizeof(g.mac)); /* the FDB entry's, if read */
	err = tb_guard_remove(b->guard, b->nl, &g);
	if (err)
		tb_log(LOG_ERR, "cannot remove the guard of %s: %s", ifname,
		       strerror(-err));
}

/* A guard chain found at start-up: its lease's checked, or an orphan's
 * removed. */
static void tb_port_guard_found(void *arg, const char *ifname)
{
	struct tb_broker *b = arg;
	struct tb_lease *l = tb_lease_named(b, ifname);
	struct tb_guard_found f = {{0}, 0, 0};
	struct tb_guard g = {0};
	char why[TB_MESSAGE_MAX];

	snprintf(g.ifname, sizeof(g.ifname), "%s", ifname);
	if (!l) {
		tb_guard_remove(b->guard, b->nl, &g);
		tb_log(LOG_INFO, "removed the guard of %s: it has no lease",
		       ifname);
		return;
	}
	g.ifindex = l->ifindex;
	g.bridged = l->kind == TB_LEASE_TAP || l->kind == TB_LEASE_ADOPTED;
	g.macvtap = l->kind == TB_LEASE_MACVTAP;
	if (!tb_guard_verify(b->guard, b->nl, &g, &f, why, sizeof(why))) {
		l->guarded = 1; /* its MAC and router as the chain records */
		memcpy(l->mac, f.mac, sizeof(l->mac));
		l->router = f.router;
		return;
	}
	tb_log(LOG_WARNING, "%s", why);
	tb_lease_cancel(b, ifname, "its guard is gone");
}

/* Guarded lease @l: is its guard whole?  If not, the lease ends. */
static void tb_port_guard_check(struct tb_broker *b, struct tb_lease *l)
{
	struct tb_guard g = {.ifindex = l->ifindex};
	char why[TB_MESSAGE_MAX], name[IFNAMSIZ];

	snprintf(g.ifname, sizeof(g.ifname), "%s", l->ifname);
	g.bridged = l->kind == TB_LEASE_TAP || l->kind == TB_LEASE_ADOPTED;
	g.macvtap = l->kind == TB_LEASE_MACVTAP;
	if (!tb_guard_verify(b->guard, b->nl, &g, NULL, why, sizeof(why)))
		return;
	tb_log(LOG_WARNING, "%s (changed by another program)", why);
	snprintf(name, sizeof(name), "%s", l->ifname);
	tb_lease_cancel(b, name, "its guard was changed by another program");
}

/* A chain of the guards' table another program changed (NULL: maybe all
 * of them). */
static void tb_port_guard_changed(void *arg, const char *ifname)
{
	struct tb_broker *b = arg;
	struct tb_lease *l;

	if (ifname) {
		l = tb_lease_named(b, ifname);
		if (l && l->guarded)
			tb_port_guard_check(b, l);
		return;
	}
	for (size_t i = b->nleases; i-- > 0;) /* a cancel moves the last */
		if (b->leases[i].guarded)
			tb_port_guard_check(b, &b->leases[i]);
}

/**
 * tb_port_guards_changed() - read the nftables events: every guard another
 * program touched is checked, and its lease ended if it is not whole
 * (fail closed: "nft flush ruleset" must not leave ports unguarded).
 */
void tb_port_guards_changed(struct tb_broker *b)
{
	int err = tb_guard_watch_read(b->guard, tb_port_guard_changed, b);

	if (err)
		tb_log(LOG_ERR, "reading nftables events: %s", strerror(-err));
}

/**
 * tb_port_guards_rescan() - at start-up, check every guard of a lease
 * found again, and remove the guards of taps that have none
 * Return: 0, or -errno.
 */
int tb_port_guards_rescan(struct tb_broker *b)
{
	return b->guard ? tb_guard_list(b->guard, tb_port_guard_found, b) : 0;
}

/**
 * tb_port_setup() - configure the interface of @u as @port says, then up
 * @rep:	where a guard's refusal is written (its reason, one line), or
 *		NULL; the caller words any other failure (@rep->status 0)
 *
 * Return: 0, or -errno (the caller rolls @u back).
 */
int tb_port_setup(struct tb_broker *b, const struct tb_undo *u,
		  const struct tb_port *port, const struct tb_plan *plan,
		  struct tb_reply *rep)
{
	int err = tb_nl_link_config(b->nl, u->ifindex, port->master, port->mtu,
				    port->mac, port->alias);

	if (!err && port->pv && port->pv->any)
		err = tb_nl_port_vlans(b->nl, u->ifindex, port->pv->access,
				       &port->pv->tagged, port->pv->drop);
	if (!err)
		err = tb_port_guard(b, u->ifindex, plan, rep);
	if (!err)
		err = tb_nl_link_up(b->nl, u->ifindex, port->alias);
	return err;
}

/**
 * tb_port_record() - the last step: record lease @l, and hand @u's fd over
 *
 * Return: the fd (no longer @u's to close), or -errno with @rep saying why
 * (the caller rolls @u back).
 */
int tb_port_record(struct tb_broker *b, struct tb_undo *u,
		   const struct tb_lease *l, struct tb_reply *rep)
{
	int err = tb_lease_add(b, l), fd = u->fd;

	if (err)
		return tb_refuse(rep, err, "cannot record the lease: %s",
				 strerror(-err));
	u->fd = -1;
	u->pidfd = -1; /* the lease's now */
	return fd;
}

/**
 * tb_lease_claim() - the plan's addresses, recorded on lease @l
 *
 * A bridged or macvtap guest's addresses (for the guard) are the lease's
 * as a routed tap's are: no other lease may claim them while it lasts.
 * Return: 0, or -ENOMEM with @rep saying so.
 */
int tb_lease_claim(struct tb_lease *l, const struct tb_plan *plan,
		   struct tb_reply *rep)
{
	if (plan->guard) { /* what status shows (admin.c) */
		/* installed, or the port sequence refused: fail closed
		 * (tb_port_guard()), so no nftables query is needed here */
		l->guarded = 1;
		memcpy(l->mac, plan->mac, sizeof(l->mac));
		l->router = plan->router;
	}
	if (!plan->naddrs)
		return 0;
	l->addrs = calloc(plan->naddrs, sizeof(*l->addrs));
	if (!l->addrs)
		return tb_refuse(rep, -ENOMEM, "out of memory");
	memcpy(l->addrs, plan->addrs, plan->naddrs * sizeof(*l->addrs));
	l->naddrs = plan->naddrs;
	return 0;
}

/**
 * tb_port_finish() - claim the plan's addresses and record lease @l, or
 * roll @u back
 * @err:	how the steps before went: 0, or -errno (then only the undo)
 *
 * The one end of every port sequence (tap, adopted tap, macvtap).
 * Return: the fd, or -errno (everything @u made is undone).
 */
int tb_port_finish(struct tb_broker *b, struct tb_undo *u, struct tb_lease *l,
		   const struct tb_plan *plan, int err, struct tb_reply *rep)
{
	if (!err)
		err = tb_lease_claim(l, plan, rep);
	if (!err)
		err = tb_port_record(b, u, l, rep);
	if (err < 0) {
		free(l->addrs);
		l->addrs = NULL;
		tb_undo_rollback(b, u);
	}
	return err;
}

struct tb_host_find {
	const struct tb_prefix *p;
	int ifindex; /* the first interface holding an address in p */
	struct tb_prefix found;
};

static void tb_host_addr(void *arg, int ifindex, const struct tb_prefix *a)
{
	struct tb_host_find *f = arg;

	if (!f->ifindex && tb_prefix_contains(f->p, a)) {
		f->ifindex = ifindex;
		f->found = *a;
	}
}

/**
 * tb_host_has() - does the host have an address within @p, on any link?
 * @found:	set to that address
 *
 * One address dump of @p's family: asked only by requests that name
 * addresses (routed, gateway, or the guard's).
 * Return: the ifindex holding it, 0 if none, or -errno.
 */
int tb_host_has(struct tb_broker *b, const struct tb_prefix *p,
		struct tb_prefix *found)
{
	struct tb_host_find f = {.p = p};
	int err = tb_nl_addr_scan(b->nl, p->family, tb_host_addr, &f);

	if (err)
		return err;
	*found = f.found;
	return f.ifindex;
}

/* Do leases @l and @n belong to one VM (uid, pid and its start time)? */
int tb_lease_same_vm(const struct tb_lease *l, const struct tb_lease *n)
{
	return n && n->vm > 0 && l->uid == n->uid && l->vm == n->vm &&
	       l->start == n->start;
}

/**
 * tb_addrs_free() - are @a[@n] free: held by no other lease, nor the host?
 * @self:	the new lease (its VM may claim its own addresses again on
 *		another NIC, see routed.c), or NULL
 *
 * Return: 0, or -EADDRINUSE with @rep naming the holder.
 */
int tb_addrs_free(struct tb_broker *b, const struct tb_prefix *a, size_t n,
		  const struct tb_lease *self, struct tb_reply *rep)
{
	char s[TB_PREFIX_STR_MAX], h[TB_PREFIX_STR_MAX], dev[IFNAMSIZ];
	struct tb_prefix found;
	int holder;

	for (size_t k = 0; k < n; k++) {
		tb_prefix_format(&a[k], s, sizeof(s));
		for (size_t i = 0; i < b->nleases; i++) {
			const struct tb_lease *l = &b->leases[i];

			for (size_t j = 0; j < l->naddrs; j++) {
				if (tb_lease_same_vm(l, self) ||
				    !tb_prefix_overlap(&l->addrs[j], &a[k]))
					continue;
				tb_prefix_format(&l->addrs[j], h, sizeof(h));
				return tb_refuse(
					rep, -EADDRINUSE,
					"address %s overlaps %s, %s to %s of uid %u",
					s, h,
					l->kind == TB_LEASE_ROUTED ? "routed"
								   : "leased",
					l->ifname, (unsigned int)l->uid);
			}
		}
		holder = tb_host_has(b, &a[k], &found);
		if (holder > 0) {
			tb_prefix_format(&found, h, sizeof(h));
			if (tb_nl_link_name(b->nl, holder, dev))
				snprintf(dev, sizeof(dev), "#%d", holder);
			return tb_refuse(
				rep, -EADDRINUSE,
				"address %s overlaps %s, which the host has on %s",
				s, h, dev);
		}
		if (holder < 0)
			return tb_refuse(rep, holder,
					 "cannot read the host's addresses: %s",
					 strerror(-holder));
	}
	return 0;
}
