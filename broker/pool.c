// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The warm pool: for each bridge the policy names, a few taps made ahead,
 * so that a request costs less than the kernel's own create + enslave.
 *
 * A pool tap (tbN, like a lease's) is persistent, a port of its bridge at
 * the bridge's MTU, with an fe: MAC, down and with no fd attached (no
 * carrier): the bridge keeps the port disabled and it forwards nothing.
 * (Up with no carrier would not do: until the kernel's linkwatch notes the
 * carrier loss, up to a second later, the bridge forwards to the port.)
 * Its tun owner is root and it has no tun group (so only a holder of
 * CAP_NET_ADMIN, the broker, can attach to it by name), and its ifalias
 * says "tapbroker pool br=BRIDGE".  It is no lease: it counts against no
 * quota, status lists it apart, adopt and release refuse it.
 *
 * tb_pool_take() is the one hook in the request path: the broker gives a
 * pool tap the request's MTU and VLANs (if not the pool's), the lease's
 * alias and up, then attaches to it by name (with the bridge's MTU and no
 * VLANs, one RTM_NEWLINK in all).  Its tun owner stays root, as every
 * leased tap's (TB_TUN_OWNER, tenant.h).
 * Renaming is avoided on purpose: the kernel's rename waits for an RCU
 * grace period.  An empty pool, or a request it cannot serve (several
 * queues), falls back to creating a tap.
 *
 * Refilling happens only when the event loop has been idle for
 * TB_POOL_IDLE_MS (tb_pool_due() sets the loop's timeout, tb_pool_idle()
 * runs when epoll_wait() returned nothing), one tap per idle tick: a
 * request never waits behind more than one tap's creation.  The pool
 * follows the policy (size "pool = N", its bridges) after a reload; a
 * clean stop deletes the pool, and a restarted broker deletes a previous
 * run's pool taps (lease.c) before making its own.
 */
#include "broker.h"
#include "pool.h"
#include "port.h"
#include "tenant.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TB_POOL_ALIAS "tapbroker pool br="
#define TB_POOL_IDLE_MS 2 /* the loop was idle this long: refill one */
#define TB_POOL_RETRY_MS 5000 /* a bridge missing, or a failed refill */

struct tb_pool_tap {
	int ifindex;
	char name[IFNAMSIZ];
};

/* The pool of one bridge; master 0: not made yet (or bridge gone). */
struct tb_pool_bridge {
	char name[IFNAMSIZ];
	int master;
	unsigned int mtu; /* the bridge's when its taps were made */
	unsigned int n;
	uint64_t retry; /* ms, CLOCK_MONOTONIC: not before then */
	struct tb_pool_tap taps[TB_POOL_MAX];
};

static struct {
	const struct tb_policy *seen; /* the policy the pool follows */
	unsigned int size;
	struct tb_pool_bridge *br;
	size_t nbr, next; /* next: where refilling looks first */
} tb_pool;

static uint64_t tb_pool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Deletes the pool taps of @p beyond @keep (batched: lease.c's reap). */
static void tb_pool_trim(struct tb_broker *b, struct tb_pool_bridge *p,
			 unsigned int keep)
{
	while (p->n > keep)
		tb_lease_reap(b, p->taps[--p->n].ifindex);
}

static struct tb_pool_bridge *tb_pool_find(const char *name)
{
	for (size_t i = 0; i < tb_pool.nbr; i++)
		if (!strcmp(tb_pool.br[i].name, name))
			return &tb_pool.br[i];
	return NULL;
}

/*
 * Follows the policy in force (at start, after a reload): its size, its
 * bridges.  Bridges it still names keep their taps (trimmed to the size);
 * the others' taps are deleted.  Out of memory: no pool, nothing lost.
 * A reload is seen as a new b->policy pointer (server.c loads the new
 * policy before it frees the old one, so the two never share an address).
 */
static void tb_pool_sync(struct tb_broker *b)
{
	char names[TB_POOL_BRIDGES_MAX][IFNAMSIZ];
	struct tb_pool_bridge *nb, *old;
	size_t n, i;

	if (tb_pool.seen == b->policy)
		return;
	tb_pool.seen = b->policy;
	tb_pool.size =
		tb_policy_pool(b->policy, names, TB_POOL_BRIDGES_MAX, &n);
	if (!tb_pool.size)
		n = 0;
	nb = n ? calloc(n, sizeof(*nb)) : NULL;
	for (i = 0; nb && i < n; i++) {
		old = tb_pool_find(names[i]);
		if (old)
			nb[i] = *old;
		memcpy(nb[i].name, names[i], IFNAMSIZ);
		tb_pool_trim(b, &nb[i], tb_pool.size);
		if (old)
			old->n = 0; /* moved to nb[i] */
	}
	for (i = 0; i < tb_pool.nbr; i++)
		tb_pool_trim(b, &tb_pool.br[i], 0);
	free(tb_pool.br);
	tb_pool.br = nb;
	tb_pool.nbr = nb ? n : 0;
	tb_pool.next = 0;
}

/**
 * tb_pool_due() - ms until the pool wants an idle tick, for the loop
 *
 * Return: TB_POOL_IDLE_MS while a pool is short, later if its bridge is
 * missing (retried every TB_POOL_RETRY_MS), -1 when every pool is full.
 */
int tb_pool_due(struct tb_broker *b)
{
	uint64_t now = tb_pool_now(), due = UINT64_MAX;
	const struct tb_pool_bridge *p;

	tb_pool_sync(b);
	for (size_t i = 0; i < tb_pool.nbr; i++) {
		p = &tb_pool.br[i];
		if (p->n >= tb_pool.size)
			continue;
		if (p->retry <= now)
			return TB_POOL_IDLE_MS;
		if (p->retry - now < due)
			due = p->retry - now;
	}
	return due == UINT64_MAX ? -1 : (int)due;
}

/* Makes one pool tap in bridge @br; Return: 0, or -errno. */
static int tb_pool_make(struct tb_broker *b, struct tb_pool_bridge *p,
			const struct tb_bridge_info *br)
{
	struct tb_pool_tap *t = &p->taps[p->n];
	char alias[64];
	uint8_t mac[6];
	int err;

	err = tb_tun_pool_create(t->name, &t->ifindex);
	if (err)
		return err;
	snprintf(alias, sizeof(alias), TB_POOL_ALIAS "%s", p->name);
	err = tb_tap_mac(mac);
	if (!err)
		err = tb_nl_link_config(b->nl, t->ifindex, br->ifindex, br->mtu,
					mac, alias);
	if (err) {
		tb_nl_link_del(b->nl, t->ifindex);
		return err;
	}
	p->n++;
	return 0;
}

/* Refills @p by one tap, or says when to try again. */
static void tb_pool_refill(struct tb_broker *b, struct tb_pool_bridge *p,
			   uint64_t now)
{
	struct tb_bridge_info br;
	struct tb_reply rep = {0};
	int err;

	err = tb_nl_bridge_get(b->nl, p->name, &br, rep.message,
			       sizeof(rep.message));
	/* a bridge whose MAC follows its ports' is pinned first, as before
	 * its first tap: pool taps must not change it either (tenant.c) */
	if (!err)
		err = tb_tenant_pin_bridge(b, p->name, br.ifindex, &rep);
	if (!err && (br.ifindex != p->master || br.mtu != p->mtu)) {
		tb_pool_trim(b, p, 0); /* new, made again, or a new MTU */
		p->master = br.ifindex;
		p->mtu = br.mtu;
	}
	if (!err)
		err = tb_pool_make(b, p, &br);
	if (!err) {
		p->retry = 0;
		return;
	}
	if (!p->retry) /* once, not every TB_POOL_RETRY_MS */
		tb_log(LOG_NOTICE, "no warm pool for %s for now: %s", p->name,
		       rep.message[0] ? rep.message : strerror(-err));
	p->master = 0;
	p->retry = now + TB_POOL_RETRY_MS;
}

/**
 * tb_pool_idle() - the loop was idle: make one pool tap, if one is missing
 */
void tb_pool_idle(struct tb_broker *b)
{
	uint64_t now = tb_pool_now();
	struct tb_pool_bridge *p;

	tb_pool_sync(b);
	for (size_t k = 0; k < tb_pool.nbr; k++) {
		p = &tb_pool.br[(tb_pool.next + k) % tb_pool.nbr];
		if (p->n >= tb_pool.size || p->retry > now)
			continue;
		tb_pool.next = (tb_pool.next + k + 1) % tb_pool.nbr;
		tb_pool_refill(b, p, now);
		return;
	}
}

/*
 * Makes pool tap @t the request's, and attaches to it.  MTU and VLANs
 * first, while it is down (no frame can reach it in the wrong VLAN); then
 * the lease's alias and up, while it has no carrier; then the attach.
 * Up before the carrier matters: the kernel handles a carrier that comes
 * on for a running device at once (linkwatch's urgent path), but for a
 * device that is down it waits up to a second, and until then the bridge
 * keeps the port disabled.  With the pool's MTU and no VLANs this is one
 * RTM_NEWLINK.
 * Return: the fd, or -errno.
 */
static int tb_pool_fit(struct tb_broker *b, const struct tb_pool_bridge *p,
		       const struct tb_pool_tap *t,
		       const struct tb_request *req, const struct tb_plan *plan,
		       const struct tb_port *port)
{
	struct tb_port cfg = *port;
	struct tb_undo u;
	int fd, err;

	tb_undo_init(&u); /* only its ifindex is read: the caller undoes */
	u.ifindex = t->ifindex;
	cfg.mac = NULL; /* it keeps its own fe: MAC */
	if (port->mtu == p->mtu && !(port->pv && port->pv->any) && !plan->guard)
		err = tb_nl_link_up(b->nl, t->ifindex, port->alias);
	else
		err = tb_port_setup(b, &u, &cfg, plan, NULL);
	fd = err ? err : tb_tun_attach(t->name, tb_tun_flags(req));
	if (fd < 0)
		return fd;
	/* TUNSETIFF by name makes a new tap if the name is gone, or opens
	 * another tap that took it: only the very pool tap will do */
	err = tb_tun_index(t->name) == t->ifindex ? 0 : -ESTALE;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/**
 * tb_pool_take() - a tap of the plan's bridge's warm pool, set up as @port
 * @b:		the broker
 * @req:	the request (vnet_hdr; several queues: no pool tap)
 * @plan:	the plan (its bridge, plan->dev; its guard)
 * @port:	the port's settings (master, MTU, VLANs, alias), as
 *		tb_port_setup() applies them; the MAC is the pool tap's own
 * @ifname:	receives its name (tbN)
 * @ifindex:	receives its ifindex
 *
 * The broker attaches to a pool tap by name (CAP_NET_ADMIN: its tun owner
 * is root); it comes out as a new tap from tb_port_setup(): a port of the
 * bridge, at its MTU, with its VLANs and guard, the alias, up.
 * Return: its fd, or -ENOENT: no pool tap fits (make one instead).
 */
int tb_pool_take(struct tb_broker *b, const struct tb_request *req,
		 const struct tb_plan *plan, const struct tb_port *port,
		 char ifname[IFNAMSIZ], int *ifindex)
{
	struct tb_pool_bridge *p;
	struct tb_pool_tap t;
	int fd;

	tb_pool_sync(b);
	p = req->queues > 1 ? NULL : tb_pool_find(plan->dev);
	if (!p || !p->n)
		return -ENOENT;
	if (p->master != port->master) { /* the bridge was made again */
		tb_pool_trim(b, p, 0);
		p->master = 0;
		return -ENOENT;
	}
	t = p->taps[--p->n];
	fd = tb_pool_fit(b, p, &t, req, plan, port);
	if (fd < 0) { /* someone removed or broke it: never mind */
		tb_port_unguard(b, t.name, t.ifindex, 1); /* if it got one */
		tb_lease_reap(b, t.ifindex);
		return -ENOENT;
	}
	memcpy(ifname, t.name, IFNAMSIZ);
	*ifindex = t.ifindex;
	return fd;
}

/* Does @alias mark a pool tap (of this run or a previous one)? */
int tb_pool_alias(const char *alias)
{
	return !strncmp(alias, TB_POOL_ALIAS, strlen(TB_POOL_ALIAS));
}

/* Is @ifname a tap of the pool now?  (adopt refuses one) */
int tb_pool_named(const char *ifname)
{
	for (size_t i = 0; i < tb_pool.nbr; i++)
		for (unsigned int k = 0; k < tb_pool.br[i].n; k++)
			if (!strcmp(tb_pool.br[i].taps[k].name, ifname))
				return 1;
	return 0;
}

/* A link of index @ifindex is gone (RTM_DELLINK): if it was a pool tap (an
 * admin deleted it), the pool forgets it at once and refills. */
void tb_pool_gone(int ifindex)
{
	for (size_t i = 0; i < tb_pool.nbr; i++) {
		struct tb_pool_bridge *p = &tb_pool.br[i];

		for (unsigned int t = 0; t < p->n; t++) {
			if (p->taps[t].ifindex != ifindex)
				continue;
			p->taps[t] = p->taps[--p->n];
			return;
		}
	}
}

/**
 * tb_pool_line() - bridge @i's pool for `tapbroker status`
 *
 * "pool=BRIDGE size=N ready=K taps=tb3,tb4\n" (taps=- when none); a
 * name that does not fit in @len is left out.
 * Return: 1, or 0 when there is no bridge @i.
 */
int tb_pool_line(size_t i, char *buf, size_t len)
{
	const struct tb_pool_bridge *p;
	size_t used;

	if (i >= tb_pool.nbr)
		return 0;
	p = &tb_pool.br[i];
	snprintf(buf, len, "pool=%s size=%u ready=%u taps=%s", p->name,
		 tb_pool.size, p->n, p->n ? "" : "-");
	for (unsigned int k = 0; k < p->n; k++) {
		used = strlen(buf);
		if (used + IFNAMSIZ + 2 < len)
			snprintf(buf + used, len - used, "%s%s", k ? "," : "",
				 p->taps[k].name);
	}
	used = strlen(buf);
	snprintf(buf + used, len - used, "\n");
	return 1;
}

/**
 * tb_pool_stop() - at a clean stop, delete every pool tap
 *
 * They go to lease.c's reap group, deleted at once by tb_lease_free().
 */
void tb_pool_stop(struct tb_broker *b)
{
	for (size_t i = 0; i < tb_pool.nbr; i++)
		tb_pool_trim(b, &tb_pool.br[i], 0);
	free(tb_pool.br);
	tb_pool.br = NULL;
	tb_pool.nbr = 0;
	tb_pool.seen = NULL;
}
