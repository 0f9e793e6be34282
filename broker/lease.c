// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Leases: which taps the broker handed to whom, kept in the kernel.
 *
 * A tap is made non-persistent, so the kernel deletes it when the last fd
 * on it closes: when the VM exits, however it exits, or when a client
 * leaves before taking its fd.  Nothing is left to clean up, and the
 * broker only has to notice: it listens for RTM_DELLINK and drops the
 * lease, which frees the user's quota slot.
 *
 * Each tap carries an ifalias "tapbroker uid=U vm=PID br=BRIDGE".  That is
 * the record: a restarted broker dumps the links once, takes every tap with
 * such an alias as a live lease (someone still holds its fd, or it would be
 * gone), and keeps counting it against the user's quota.  No state file.
 */
#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TB_ALIAS_PREFIX "tapbroker "

static uint64_t tb_lease_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

void tb_lease_alias(char *buf, size_t len, uid_t uid, pid_t vm,
		    const char *bridge)
{
	snprintf(buf, len, TB_ALIAS_PREFIX "uid=%u vm=%d br=%s",
		 (unsigned int)uid, (int)vm, bridge);
}

/* A macvtap outlives its fd: the alias also records the VM's start time,
 * so a restarted broker can tell the VM from a later process with its pid. */
void tb_lease_alias_macvtap(char *buf, size_t len, const struct tb_lease *l)
{
	snprintf(buf, len,
		 TB_ALIAS_PREFIX "uid=%u vm=%d start=%llu macvtap=%s mode=%s",
		 (unsigned int)l->uid, (int)l->vm, l->start, l->bridge,
		 tb_macvtap_mode_name(l->mode));
}

/**
 * tb_proc_read() - parent, real uid and start time of process @pid
 *
 * From /proc/PID/stat (fields after the last ')' of the name: the parent
 * is the 2nd, the start time the 20th) and the Uid: line of /proc/PID/status.
 * Return: 0, or -errno (-ESRCH: no such process).
 */
int tb_proc_read(pid_t pid, struct tb_proc *p)
{
	char path[64], buf[1024], *s;
	unsigned int uid;
	int fd, ppid;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	s = strrchr(buf, ')');
	if (!s ||
	    sscanf(s,
		   ") %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &ppid, &p->start) != 2)
		return -EIO;
	p->ppid = (pid_t)ppid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	s = strstr(buf, "\nUid:");
	if (!s || sscanf(s, "\nUid: %u", &uid) != 1)
		return -EIO;
	p->uid = (uid_t)uid;
	return 0;
}

/* The VM behind a caller: its parent (QEMU runs the helper), or 0. */
pid_t tb_lease_vm(pid_t pid)
{
	struct tb_proc p;

	return tb_proc_read(pid, &p) ? 0 : p.ppid;
}

static struct tb_lease *tb_lease_find(struct tb_broker *b, int ifindex)
{
	for (size_t i = 0; i < b->nleases; i++)
		if (b->leases[i].ifindex == ifindex)
			return &b->leases[i];
	return NULL;
}

/**
 * tb_lease_add() - record a tap handed out (or found at start-up)
 * Return: 0, or -ENOMEM.
 */
int tb_lease_add(struct tb_broker *b, const struct tb_lease *l)
{
	struct tb_lease *v;

	if (tb_lease_find(b, l->ifindex))
		return 0;
	if (b->nleases == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;

		v = reallocarray(b->leases, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->leases = v;
		b->cap = cap;
	}
	b->leases[b->nleases] = *l;
	if (l->kind == TB_LEASE_TAP)
		b->leases[b->nleases].pidfd = -1;
	b->leases[b->nleases].since = tb_lease_now();
	b->nleases++;
	return 0;
}

unsigned int tb_lease_count(const struct tb_broker *b, uid_t uid)
{
	unsigned int n = 0;

	for (size_t i = 0; i < b->nleases; i++)
		n += b->leases[i].uid == uid;
	return n;
}

static void tb_lease_drop(struct tb_broker *b, struct tb_lease *l,
			  const char *why)
{
	if (l->pidfd >= 0)
		close(l->pidfd); /* also leaves the epoll set */
	tb_log(LOG_INFO,
	       "release %s on %s of uid %u vm %d after %" PRIu64 " s: %s",
	       l->ifname, l->bridge, (unsigned int)l->uid, (int)l->vm,
	       tb_lease_now() - l->since, why);
	*l = b->leases[--b->nleases];
}

/**
 * tb_lease_watch() - watch the VM of macvtap lease @l with a pidfd
 *
 * The pidfd is taken, then the start time read again: if the pid was
 * reused in between, the VM is gone and the lease must not be made.
 * Return: 0, or -ESRCH (the VM is gone) or another -errno.
 */
int tb_lease_watch(struct tb_broker *b, struct tb_lease *l)
{
	struct tb_proc p;
	int err;

	l->pidfd = (int)syscall(SYS_pidfd_open, l->vm, 0);
	if (l->pidfd < 0)
		return -errno;
	if (tb_proc_read(l->vm, &p) || p.start != l->start) {
		close(l->pidfd);
		l->pidfd = -1;
		return -ESRCH;
	}
	err = tb_loop_watch(b, l->pidfd);
	if (err) {
		close(l->pidfd);
		l->pidfd = -1;
	}
	return err;
}

/* A watched VM exited: delete what its leases made. */
void tb_lease_vm_exited(struct tb_broker *b, int pidfd)
{
	for (size_t i = b->nleases; i-- > 0;) {
		struct tb_lease *l = &b->leases[i];
		int err;

		if (l->pidfd != pidfd)
			continue;
		err = tb_nl_link_del(b->nl, l->ifindex);
		if (err && err != -ENODEV)
			tb_log(LOG_ERR, "cannot delete %s: %s", l->ifname,
			       strerror(-err));
		tb_lease_drop(b, l, "its VM exited");
	}
}

/* RTM_DELLINK: the tap is gone, so is its lease. */
void tb_lease_gone(void *arg, int ifindex)
{
	struct tb_broker *b = arg;
	struct tb_lease *l = tb_lease_find(b, ifindex);

	if (l)
		tb_lease_drop(b, l, "the interface is gone");
}

/**
 * tb_lease_events() - the event socket is readable
 *
 * If the kernel dropped events (socket buffer full), every lease is
 * checked against the kernel instead.
 */
void tb_lease_events(struct tb_broker *b)
{
	int err = tb_nl_events_read(b->nl);

	if (err == -ENOBUFS) {
		tb_log(LOG_NOTICE, "link events were lost; checking %zu leases",
		       b->nleases);
		for (size_t i = b->nleases; i-- > 0;)
			if (!tb_nl_link_exists(b->nl, b->leases[i].ifindex))
				tb_lease_drop(b, &b->leases[i],
					      "the interface is gone");
	} else if (err) {
		tb_log(LOG_ERR, "reading link events: %s", strerror(-err));
	}
}

/* A macvtap found at start-up: re-arm its VM's watch, or remove it. */
static void tb_lease_found_macvtap(struct tb_broker *b, struct tb_lease *l)
{
	int err = tb_lease_watch(b, l);

	if (!err && !tb_lease_add(b, l)) {
		tb_log(LOG_INFO,
		       "lease %s (macvtap on %s) of uid %u vm %d found again",
		       l->ifname, l->bridge, (unsigned int)l->uid, (int)l->vm);
		return;
	}
	if (l->pidfd >= 0)
		close(l->pidfd);
	tb_nl_link_del(b->nl, l->ifindex);
	tb_log(LOG_INFO,
	       "removed orphan %s (macvtap on %s) of uid %u: its VM %d exited while the broker was away",
	       l->ifname, l->bridge, (unsigned int)l->uid, (int)l->vm);
}

static void tb_lease_found(void *arg, int ifindex, const char *ifname,
			   const char *alias, unsigned int mtu)
{
	struct tb_broker *b = arg;
	struct tb_lease l = {.ifindex = ifindex, .mtu = mtu, .pidfd = -1};
	char mode[16];
	unsigned int uid;
	int vm;

	if (strncmp(alias, TB_ALIAS_PREFIX, strlen(TB_ALIAS_PREFIX)))
		return;
	if (sscanf(alias,
		   TB_ALIAS_PREFIX
		   "uid=%u vm=%d start=%llu macvtap=%15s mode=%15s",
		   &uid, &vm, &l.start, l.bridge, mode) == 5) {
		l.kind = TB_LEASE_MACVTAP;
		l.mode = tb_macvtap_mode(mode);
		l.uid = (uid_t)uid;
		l.vm = (pid_t)vm;
		snprintf(l.ifname, sizeof(l.ifname), "%s", ifname);
		tb_lease_found_macvtap(b, &l);
		return;
	}
	if (sscanf(alias, TB_ALIAS_PREFIX "uid=%u vm=%d br=%15s", &uid, &vm,
		   l.bridge) != 3)
		return;
	l.uid = (uid_t)uid;
	l.vm = (pid_t)vm;
	snprintf(l.ifname, sizeof(l.ifname), "%s", ifname);
	if (tb_lease_add(b, &l) == 0)
		tb_log(LOG_INFO, "lease %s on %s of uid %u vm %d found again",
		       l.ifname, l.bridge, uid, vm);
}

/**
 * tb_lease_rescan() - at start-up, take up the leases of a previous run
 * Return: 0, or -errno.
 */
int tb_lease_rescan(struct tb_broker *b)
{
	return tb_nl_scan(b->nl, tb_lease_found, b);
}

/**
 * tb_lease_release() - an admin ends the lease on @ifname
 *
 * The tap is deleted through rtnetlink (QEMU's fd then sees the device
 * gone); the lease is dropped now, so the deletion event finds nothing.
 * Return: 0, -ENOENT (no such lease), or the -errno of the deletion.
 */
int tb_lease_release(struct tb_broker *b, const char *ifname, uid_t by)
{
	char why[64];
	int err;

	for (size_t i = 0; i < b->nleases; i++) {
		if (strcmp(b->leases[i].ifname, ifname))
			continue;
		err = tb_nl_link_del(b->nl, b->leases[i].ifindex);
		if (err && err != -ENODEV)
			return err;
		snprintf(why, sizeof(why), "released by uid %u",
			 (unsigned int)by);
		tb_lease_drop(b, &b->leases[i], why);
		return 0;
	}
	return -ENOENT;
}

void tb_lease_free(struct tb_broker *b)
{
	free(b->leases);
	b->leases = NULL;
	b->nleases = b->cap = 0;
}
