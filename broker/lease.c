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

/**
 * tb_lease_vm() - the VM behind a caller: the parent of @pid
 *
 * QEMU runs the helper as its child; the helper is the caller.  Read from
 * /proc/PID/stat, where the parent follows the last ')' of the name.
 * Return: the parent's pid, or 0 if it cannot be read.
 */
pid_t tb_lease_vm(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p, ") %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
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
	tb_log(LOG_INFO,
	       "release %s on %s of uid %u vm %d after %" PRIu64 " s: %s",
	       l->ifname, l->bridge, (unsigned int)l->uid, (int)l->vm,
	       tb_lease_now() - l->since, why);
	*l = b->leases[--b->nleases];
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

static void tb_lease_found(void *arg, int ifindex, const char *ifname,
			   const char *alias, unsigned int mtu)
{
	struct tb_broker *b = arg;
	struct tb_lease l = {.ifindex = ifindex, .mtu = mtu};
	unsigned int uid;
	int vm;

	if (strncmp(alias, TB_ALIAS_PREFIX, strlen(TB_ALIAS_PREFIX)) ||
	    sscanf(alias, TB_ALIAS_PREFIX "uid=%u vm=%d br=%15s", &uid, &vm,
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
