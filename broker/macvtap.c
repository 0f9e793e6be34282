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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define TB_MACVTAP_TRIES 64
#define TB_MACVTAP_NODE_TRIES 4 /* indexes whose /dev/tapN is not ours */
#define TB_MACVTAP_INDEX_BASE 0x100000u
#define TB_MACVTAP_INDEX_SPAN 0x3ff00000u

/* Reads the small sysfs file @path (NUL-terminated, one line) into @buf. */
static int tb_sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (n <= 0)
		err = fd < 0 ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	if (!err)
		buf[n] = '\0';
	return err;
}

/*
 * The device number of macvtap @ifname's character device, as the sysfs of
 * the broker's own network namespace shows it (ip netns exec and systemd
 * both mount /sys for the namespace the broker runs in); -ENODEV if that
 * sysfs does not show @ifname with index @ifindex.
 */
static int tb_macvtap_devt(const char *ifname, int ifindex, dev_t *devt)
{
	char path[96], buf[32];
	unsigned int maj, min;
	int idx;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", ifname);
	if (tb_sysfs_read(path, buf, sizeof(buf)) ||
	    sscanf(buf, "%d", &idx) != 1 || idx != ifindex)
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%d/dev",
		 ifname, ifindex);
	if (tb_sysfs_read(path, buf, sizeof(buf)) ||
	    sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -ENODEV;
	*devt = makedev(maj, min);
	return 0;
}

/**
 * tb_macvtap_open_ours() - open the character device of the broker's macvtap
 *
 * /dev is one devtmpfs for every network namespace, while ifindexes are per
 * namespace: /dev/tapN may be the macvtap N of another namespace (its node
 * came first, so the kernel made none for ours), which anyone can arrange
 * from a user namespace with "ip link add ... index N type macvtap".  The
 * opened fd's device number must be the one the broker's own sysfs gives
 * for @ifname; else the fd is closed.
 *
 * Return: the fd; -EXDEV if it is another macvtap's, -ENODEV if the
 * broker's sysfs does not show @ifname with index @ifindex; or -errno.
 */
int tb_macvtap_open_ours(const char *ifname, int ifindex, unsigned int iff)
{
	int fd = tb_macvtap_open(ifindex, iff);
	struct stat st;
	dev_t devt;
	int err;

	if (fd < 0)
		return fd;
	err = tb_macvtap_devt(ifname, ifindex, &devt);
	if (!err && fstat(fd, &st) < 0)
		err = -errno;
	if (!err && (!S_ISCHR(st.st_mode) || st.st_rdev != devt))
		err = -EXDEV;
	if (err) {
		close(fd);
		tb_log(LOG_NOTICE,
		       "/dev/tap%d is not the device of macvtap %s: %s",
		       ifindex, ifname,
		       err == -EXDEV
			       ? "another network namespace's macvtap"
			       : "this network namespace's sysfs does not show it");
		return err;
	}
	return fd;
}

/* The VM (tb_proc_vm()), which must belong to the caller. */
static int tb_macvtap_vm(const struct tb_who *who, pid_t caller,
			 const struct tb_request *req, struct tb_lease *l,
			 struct tb_reply *rep)
{
	struct tb_proc vm = {0};
	pid_t pid = tb_proc_vm(caller, !!(req->flags & TB_F_LAUNCHER), &vm);
	uid_t uid = vm.uid;

	if (!pid)
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

/* Creates the interface under the first free name tbmN, with index
 * @ifindex (0: the kernel's next) and the guest's MAC if the plan has one
 * (a macvtap delivers to its own MAC: the guest must send and receive as
 * it), else a random one. */
static int tb_macvtap_create(struct tb_broker *b, int ifindex, int lower,
			     const struct tb_plan *plan, struct tb_lease *l,
			     struct tb_reply *rep)
{
	uint8_t mac[6];
	unsigned int mtu;
	int err = 0;

	if (plan->has_mac)
		memcpy(mac, plan->mac, sizeof(mac));
	else
		err = tb_tap_mac(mac);

	for (int i = 0; !err && i < TB_MACVTAP_TRIES; i++) {
		snprintf(l->ifname, sizeof(l->ifname), "tbm%u",
			 b->macvtap_seq++ % 100000);
		err = tb_nl_macvtap_add(b->nl, l->ifname, ifindex, lower,
					l->mode, l->mtu, mac);
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

/* An index for a new try: random, from 2^20 up, far from where network
 * namespaces count from (1), and not one another user can guess ahead. */
static int tb_macvtap_index(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return 0;
	return (int)(TB_MACVTAP_INDEX_BASE + r % TB_MACVTAP_INDEX_SPAN);
}

/*
 * Creates the macvtap and opens its /dev/tapN; while that node is another
 * network namespace's macvtap (tb_macvtap_open_ours()), deletes it and
 * makes another under a random index (tb_macvtap_index()), up to
 * TB_MACVTAP_NODE_TRIES in all.
 * Return: the fd, or -errno with @rep saying why (nothing left made).
 */
static int tb_macvtap_make(struct tb_broker *b, int lower,
			   const struct tb_plan *plan, struct tb_lease *l,
			   unsigned int iff, struct tb_reply *rep)
{
	int fd = -EXDEV, err, first = 0;

	for (int i = 0; i < TB_MACVTAP_NODE_TRIES && fd == -EXDEV; i++) {
		err = tb_macvtap_create(b, i ? tb_macvtap_index() : 0, lower,
					plan, l, rep);
		if (err)
			return err;
		fd = tb_macvtap_open_ours(l->ifname, l->ifindex, iff);
		first = i ? first : l->ifindex;
		if (fd < 0)
			tb_nl_link_del(b->nl, l->ifindex);
	}
	if (fd == -EXDEV)
		return tb_refuse(
			rep, fd,
			"cannot set up a macvtap on %s: /dev/tap%d and the %d random indexes tried after it are macvtaps of other network namespaces (devtmpfs is shared, ifindexes are not)",
			l->dev, first, TB_MACVTAP_NODE_TRIES - 1);
	if (fd == -ENODEV)
		return tb_refuse(
			rep, fd,
			"cannot tell whether /dev/tap%d is macvtap %s's: the broker's /sys is not of its network namespace (mount sysfs there, as ip netns exec does)",
			l->ifindex, l->ifname);
	if (fd < 0)
		return tb_refuse(rep, fd, "cannot open /dev/tap%d of %s: %s",
				 l->ifindex, l->ifname, strerror(-fd));
	return fd;
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
		err = tb_macvtap_make(b, lower, plan, &l, tb_tun_flags(req),
				      rep);
	if (err < 0)
		return err;
	u.made = 1;
	u.ifindex = l.ifindex;
	u.fd = err;
	tb_lease_alias_macvtap(alias, sizeof(alias), &l);
	tb_lease_alias_label(alias, sizeof(alias), l.label);
	port = (struct tb_port){.mtu = l.mtu, .alias = alias};
	if (tb_lease_alias_addrs(alias, sizeof(alias), plan->addrs,
				 plan->naddrs))
		err = tb_alias_full(rep);
	else
		err = tb_port_setup(b, &u, &port, plan, rep);
	if (!err)
		err = tb_lease_watch(b, &l);
	u.pidfd = l.pidfd;
	err = tb_port_finish(b, &u, &l, plan, err, rep);
	if (err < 0)
		return rep->status ? rep->status
				   : tb_refuse(rep, err,
					       "cannot set up macvtap %s: %s",
					       l.ifname, strerror(-err));
	snprintf(rep->ifname, sizeof(rep->ifname), "%s", l.ifname);
	return err;
}
