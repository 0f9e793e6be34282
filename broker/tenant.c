// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a tenant holding a tap fd can fake, and what the broker reads instead.
 *
 * Whoever holds a tap's fd makes these tun ioctls with no privilege at all
 * (drivers/net/tun.c, __tun_chr_ioctl(); the same on Debian 12's 6.1):
 *  - TUNSETCARRIER: carrier off at will (on only while a queue is
 *    attached).  Carrier is the hint to look, never the answer: a tap's
 *    lease ends when no fd is attached, which tb_tenant_hold() asks the
 *    kernel.
 *  - TUNSETOWNER, TUNSETGROUP: whoever then matches owner or group
 *    attaches more fds by name (TUNSETIFF), past the queues ceiling.  The
 *    broker's taps are root's (TB_TUN_OWNER); a lease whose tap changes
 *    owner is ended (lease.c).
 *  - SIOCSIFHWADDR: the tap's MAC.  A bridge whose own MAC was never set
 *    follows its lowest port's, so each bridge's MAC is pinned before it
 *    gets a tap (tb_tenant_pin_bridge()).
 *  - TUNSETPERSIST 0: the kernel deletes the tap at its last close; the
 *    lease ends on that RTM_DELLINK like any other.
 *  - TUNSETLINK: only while the tap is down, which a leased tap is not (an
 *    adopted one waiting to be put back is: tb_tenant_put_back()).
 *  - TUNSETDEBUG: the driver's message level; the kernel then logs every
 *    frame sent to the tap.  No event tells: the sweep (lease.c) finds it
 *    within TB_SWEEP_MS, turns it off and ends the lease.
 */
#include "tenant.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TB_NET_ADDR_SET 3 /* addr_assign_type: set by a user, kept */
#define TB_PINNED_MAX 64 /* bridges known pinned, not asked again */

/* Ifindexes of bridges found or made pinned: a MAC once set stays set
 * (only a new bridge, with a new ifindex, starts unpinned again). */
static int tb_pinned[TB_PINNED_MAX];
static unsigned int tb_npinned;

static int tb_tenant_pinned(int ifindex)
{
	for (unsigned int i = 0; i < tb_npinned && i < TB_PINNED_MAX; i++)
		if (tb_pinned[i] == ifindex)
			return 1;
	return 0;
}

static void tb_tenant_pinned_add(int ifindex)
{
	tb_pinned[tb_npinned++ % TB_PINNED_MAX] = ifindex;
}

/*
 * A single-queue tap's only question: may the broker attach it?  The
 * kernel answers -EBUSY while a queue is attached (tun_attach()); the tun
 * link info counts queues of multi_queue taps only.  A name that vanished
 * meanwhile would make a new tap, deleted again at the probe's close.
 */
static enum tb_hold tb_tenant_probe(const struct tb_lease *l,
				    const struct tb_link_info *info, int *probe)
{
	unsigned int iff = (info->vnet_hdr ? IFF_VNET_HDR : 0) |
			   (info->multi_queue ? IFF_MULTI_QUEUE : 0);
	int fd = tb_tun_attach(l->ifname, iff);

	if (fd == -EBUSY)
		return TB_HOLD_HELD;
	if (fd < 0) {
		tb_log(LOG_ERR, "cannot tell whether %s is still held: %s",
		       l->ifname, strerror(-fd));
		return TB_HOLD_HELD; /* the sweep asks again */
	}
	*probe = fd;
	return TB_HOLD_FREE;
}

/**
 * tb_tenant_hold() - is any fd still attached to the tap of lease @l?
 * @probe:	receives the broker's own fd on the tap when it is free and
 *		one was needed to tell (else -1); the caller closes it, after
 *		putting an adopted tap back with it
 *
 * One RTM_GETLINK: a multi_queue tap's attached and disabled queues are
 * counted there; a single-queue one is probed (tb_tenant_probe()).  A
 * lease that is not ending must also still have its tun owner, and no
 * driver messages (which are turned off here in any case).
 * Return: what the kernel says (enum tb_hold).
 */
enum tb_hold tb_tenant_hold(struct tb_broker *b, const struct tb_lease *l,
			    int *probe)
{
	struct tb_link_info info;
	int err = tb_nl_link_info(b->nl, l->ifname, &info);

	*probe = -1;
	if (err == -ENODEV ||
	    (!err && (info.ifindex != l->ifindex || strcmp(info.kind, "tun"))))
		return TB_HOLD_GONE;
	if (err) {
		tb_log(LOG_ERR, "cannot look up %s: %s", l->ifname,
		       strerror(-err));
		return TB_HOLD_HELD;
	}
	if (!l->ending && info.owner != l->tun_owner)
		return TB_HOLD_STOLEN;
	if (tb_tun_debug_off(l->ifname) == 1 && !l->ending)
		return TB_HOLD_DEBUG;
	if (info.multi_queue && info.queues)
		return TB_HOLD_HELD;
	if (info.multi_queue && l->kind != TB_LEASE_ADOPTED)
		return TB_HOLD_FREE;
	return tb_tenant_probe(l, &info, probe);
}

/**
 * tb_tenant_own() - make root the tun owner of multi_queue tap @l
 * @info:	what tb_nl_link_info() says of it
 *
 * Through a queue the broker attaches for the moment (CAP_NET_ADMIN).
 * Return: 0, or -errno.
 */
int tb_tenant_own(const struct tb_lease *l, const struct tb_link_info *info)
{
	unsigned int iff =
		IFF_MULTI_QUEUE | (info->vnet_hdr ? IFF_VNET_HDR : 0);
	int fd = tb_tun_attach(l->ifname, iff), err;

	if (fd < 0)
		return fd;
	err = tb_tun_set_owner(fd, TB_TUN_OWNER);
	tb_closer_close(fd);
	return err;
}

/**
 * tb_tenant_put_back() - restore adopted tap @l, which nothing holds now
 * @probe:	the broker's fd on it (tb_tenant_hold()), or -1; closed here
 *
 * Link type and tun owner through @probe, then MAC, master, MTU, up/down.
 */
void tb_tenant_put_back(struct tb_broker *b, const struct tb_lease *l,
			int probe)
{
	int err;

	if (probe >= 0)
		tb_tun_reset(probe, l->was.owner);
	err = tb_nl_link_restore(b->nl, &l->was);
	if (err && err != -ENODEV)
		tb_log(LOG_ERR, "cannot restore %s: %s", l->ifname,
		       strerror(-err));
	if (probe >= 0)
		tb_closer_close(probe);
}

/* addr_assign_type of link @name (sysfs only: rtnetlink has no attribute
 * for it), or -errno.  @ifindex must match: a sysfs of another network
 * namespace would answer about another link. */
static int tb_tenant_assign_type(const char *name, int ifindex)
{
	char path[64], buf[32];
	int fd, n, type = -1, index = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : (int)read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || (buf[n] = '\0', sscanf(buf, "%d", &index)) != 1 ||
	    index != ifindex)
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/class/net/%s/addr_assign_type",
		 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : (int)read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || (buf[n] = '\0', sscanf(buf, "%d", &type)) != 1)
		return -ENOENT;
	return type;
}

/**
 * tb_tenant_pin_bridge() - make sure bridge @name keeps its own MAC
 *
 * A bridge whose MAC was never set explicitly takes its lowest port's,
 * and a tenant sets its tap's MAC with SIOCSIFHWADDR on its fd: the
 * bridge's MAC would change under the LAN's ARP caches.  So the first
 * time the broker uses a bridge that is not pinned, it sets the bridge's
 * MAC to its current value (nothing visible changes; logged once).  A
 * pinned bridge is remembered by ifindex: no file is read per request.
 * Return: 0, or -errno with the reason and the manual fix in @rep.
 */
int tb_tenant_pin_bridge(struct tb_broker *b, const char *name, int ifindex,
			 struct tb_reply *rep)
{
	uint8_t mac[6];
	int err;

	if (tb_tenant_pinned(ifindex))
		return 0;
	if (tb_tenant_assign_type(name, ifindex) == TB_NET_ADDR_SET) {
		tb_tenant_pinned_add(ifindex);
		return 0;
	}
	err = tb_nl_link_mac_pin(b->nl, ifindex, mac);
	if (err)
		return tb_refuse(
			rep, err,
			"cannot pin bridge %s's MAC (%s); a tenant could change it through its tap: pin it with ip link set %s address $(cat /sys/class/net/%s/address)",
			name, strerror(-err), name, name);
	tb_tenant_pinned_add(ifindex);
	tb_log(LOG_NOTICE,
	       "pinned bridge %s's MAC at %02x:%02x:%02x:%02x:%02x:%02x: it followed its ports' MACs, which a tenant can set on its tap",
	       name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return 0;
}
