// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Leases: which taps the broker handed to whom, kept in the kernel.
 *
 * A tap's lease lasts while an fd is attached to it.  When the VM exits,
 * however it exits, or a client leaves before taking its fd, the carrier
 * drops (RTM_NEWLINK); the broker then asks the kernel whether any fd is
 * still attached (tb_tenant_hold()), and if none is the lease ends,
 * freeing the user's quota slot.  Carrier is only that hint: the holder
 * can turn it off itself (TUNSETCARRIER), so it never ends a lease alone,
 * and the periodic sweep asks about every lease whatever its carrier.
 * A tap whose tun owner changes (TUNSETOWNER by its holder, to attach more
 * fds by name) loses its lease at once.  An adopted tap is put back in its
 * previous bridge only once nothing holds it; a lease of one that ends
 * earlier (released, owner changed) leaves it down and in no bridge until
 * then.
 *
 * Taps are persistent so that the last close() does not delete them: the
 * kernel spends ~10-60 ms of RCU waits unregistering one device, holding
 * the RTNL lock that every allocation needs.  Ended taps are put in link
 * group TB_REAP_GROUP instead, and the whole group is deleted at once, in
 * one unregister batch, when TB_REAP_BATCH are waiting or TB_REAP_DELAY_MS
 * have passed: the slow kernel work stays off the allocation path.
 *
 * Each tap carries an ifalias "tapbroker uid=U vm=PID br=BRIDGE".  That is
 * the record: a restarted broker dumps the links once, takes every tap with
 * such an alias and a carrier as a live lease, and deletes the others
 * (whose VMs exited meanwhile, or made mid-allocation).  No state file.
 * A routed tap's addresses are not in its alias: they are read back from
 * its routes (tb_routed_rescan()) before its lease is judged, so that an
 * orphan's proxy entries go through the usual lease end.
 */
#include "broker.h"
#include "pool.h"
#include "tenant.h"
#include "port.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <net/if.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TB_ALIAS_PREFIX "tapbroker "
#define TB_REAP_GROUP 0x74627270u /* "tbrp": reserved for ended taps */
#define TB_REAP_BATCH 128
#define TB_REAP_DELAY_MS 250
#define TB_SWEEP_MS 10000 /* hold check of every lease, for lost events */
/* hold check of an ending lease: a down tap's detach sends no RTM_NEWLINK
 * (netdev_state_change() is for up devices only) */
#define TB_ENDING_MS 500

_Static_assert(TB_TUN_OWNER == 0,
	       "a lease made with { ... } zeroed has the tun owner of its tap");

static uint64_t tb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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

/* Appends " label=NAME" (checked: no spaces) to an alias, if there is one. */
void tb_lease_alias_label(char *buf, size_t len, const char *label)
{
	size_t n = strlen(buf);

	if (label[0] && n < len)
		snprintf(buf + n, len - n, " label=%s", label);
}

/**
 * tb_lease_alias_addrs() - append " addrs=A,B" to an alias: a bridged or
 * macvtap guest's claimed addresses, so that a restarted broker still
 * holds them against other leases (a routed tap's are its routes)
 *
 * Return: 0, or -ENOSPC if they do not fit in @len (an ifalias's 255 bytes).
 */
int tb_lease_alias_addrs(char *buf, size_t len, const struct tb_prefix *a,
			 size_t n)
{
	char s[TB_PREFIX_STR_MAX];
	size_t used = strlen(buf);
	int w;

	for (size_t i = 0; i < n; i++) {
		tb_prefix_format(&a[i], s, sizeof(s));
		w = snprintf(buf + used, len - used, "%s%s",
			     i ? "," : " addrs=", s);
		if (w < 0 || (size_t)w >= len - used)
			return -ENOSPC;
		used += (size_t)w;
	}
	return 0;
}

/* A macvtap outlives its fd: the alias also records the VM's start time,
 * so a restarted broker can tell the VM from a later process with its pid. */
void tb_lease_alias_macvtap(char *buf, size_t len, const struct tb_lease *l)
{
	snprintf(buf, len,
		 TB_ALIAS_PREFIX "uid=%u vm=%d start=%llu macvtap=%s mode=%s",
		 (unsigned int)l->uid, (int)l->vm, l->start, l->dev,
		 tb_macvtap_mode_name(l->mode));
}

/* Reads /proc/@pid/@name into @buf (NUL-terminated); -ESRCH if it can't. */
static int tb_proc_file(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	return 0;
}

/**
 * tb_proc_read() - name, parent and start time of process @pid
 *
 * From /proc/PID/stat: the name is in parentheses, the parent is the 2nd
 * field after the last ')' and the start time the 20th.
 * Return: 0, or -errno (-ESRCH: no such process).
 */
int tb_proc_read(pid_t pid, struct tb_proc *p)
{
	char buf[1024], *open, *s;
	int ppid;

	if (tb_proc_file(pid, "stat", buf, sizeof(buf)))
		return -ESRCH;
	open = strchr(buf, '(');
	s = strrchr(buf, ')');
	if (!open || !s || s < open ||
	    sscanf(s,
		   ") %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &ppid, &p->start) != 2)
		return -EIO;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(s - open - 1),
		 open + 1);
	p->ppid = (pid_t)ppid;
	return 0;
}

/* The real uid of process @pid (Uid: in /proc/PID/status). */
int tb_proc_uid(pid_t pid, uid_t *uid)
{
	char buf[2048], *s;
	unsigned int u;

	if (tb_proc_file(pid, "status", buf, sizeof(buf)))
		return -ESRCH;
	s = strstr(buf, "\nUid:");
	if (!s || sscanf(s, "\nUid: %u", &u) != 1)
		return -EIO;
	*uid = (uid_t)u;
	return 0;
}

static int tb_proc_is_shell(const char *comm)
{
	return !strcmp(comm, "sh") || !strcmp(comm, "dash") ||
	       !strcmp(comm, "bash") || !strcmp(comm, "busybox");
}

/* No pidfd to pin with: pidfd_open() answered ENOSYS (a kernel before
 * 5.3, or valgrind 3.19, which does not know the call); reads then go
 * unpinned, as before pidfds existed, and no VM can be watched. */
#define TB_PIN_NONE INT_MAX

/* Has the process of @pidfd exited?  (A pidfd polls readable then.) */
static int tb_pidfd_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	return pidfd != TB_PIN_NONE && poll(&p, 1, 0) != 0;
}

static void tb_pin_close(int fd)
{
	if (fd >= 0 && fd != TB_PIN_NONE)
		close(fd);
}

/*
 * tb_proc_read() of @pid, pinned: a pidfd is taken first and checked after
 * the read, so the read is of the process the pidfd names (a pid is not
 * reused while its process has not exited).  With @uid, its real uid too.
 * Return: the pidfd, or -ESRCH.
 */
static int tb_proc_pin(pid_t pid, struct tb_proc *p, uid_t *uid)
{
	int fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;

	if (fd < 0 && pid > 0 && errno == ENOSYS)
		fd = TB_PIN_NONE;
	if (fd < 0)
		return -ESRCH;
	if (tb_proc_read(pid, p) || (uid && tb_proc_uid(pid, uid)) ||
	    tb_pidfd_exited(fd)) {
		tb_pin_close(fd);
		return -ESRCH;
	}
	return fd;
}

/* Is @child (pinned by @fd) still running with parent @ppid?  Then the
 * pidfd taken on @ppid meanwhile is of its parent, not of a later process
 * that reused the pid (the child would have been reparented). */
static int tb_proc_still_child(pid_t child, int fd, pid_t ppid)
{
	struct tb_proc c;

	return !tb_proc_read(child, &c) && !tb_pidfd_exited(fd) &&
	       c.ppid == ppid;
}

/*
 * The shell case of tb_proc_vm(): @sh (pinned by @shfd, read in @vm) is a
 * shell; its parent, if it runs as the same uid, is the VM.
 */
static pid_t tb_proc_vm_above_shell(pid_t sh, int shfd, struct tb_proc *vm)
{
	struct tb_proc up;
	pid_t gp = vm->ppid;
	int fd;

	if (gp <= 1)
		return sh;
	fd = tb_proc_pin(gp, &up, &up.uid);
	if (fd < 0)
		return sh;
	if (up.uid == vm->uid && tb_proc_still_child(sh, shfd, gp)) {
		*vm = up;
		sh = gp;
	}
	tb_pin_close(fd);
	return sh;
}

/**
 * tb_proc_vm() - the VM behind a caller, and what /proc says of it
 *
 * QEMU runs the helper as its child; with options in helper="..." it runs
 * it through /bin/sh, which (dash) forks rather than execs.  So the VM is
 * the caller's parent, or its grandparent when the parent is a shell and
 * the grandparent runs as the same user.  In launcher mode the caller is
 * the VM.  Every /proc read is pinned by a pidfd (tb_proc_pin()), and a
 * parent is taken only while its child still has it as parent: a process
 * that exits meanwhile, and a later one reusing its pid, is never read as
 * the VM.  @vm->uid is the VM's real uid.
 * Return: the VM's pid, or 0 if it cannot be read.
 */
pid_t tb_proc_vm(pid_t caller, int launcher, struct tb_proc *vm)
{
	struct tb_proc c;
	pid_t pid = 0;
	int cfd, pfd = -1;

	cfd = tb_proc_pin(caller, &c, launcher ? &c.uid : NULL);
	if (cfd < 0)
		return 0;
	if (launcher) { /* tapbroker-helper run: it execs the VM itself */
		*vm = c;
		pid = caller;
	} else if (c.ppid > 1 &&
		   (pfd = tb_proc_pin(c.ppid, vm, &vm->uid)) >= 0 &&
		   tb_proc_still_child(caller, cfd, c.ppid)) {
		pid = c.ppid;
		if (tb_proc_is_shell(vm->comm))
			pid = tb_proc_vm_above_shell(pid, pfd, vm);
	}
	tb_pin_close(pfd);
	tb_pin_close(cfd);
	return pid;
}

/* The VM behind a caller, or 0: for the record (ifalias, status). */
pid_t tb_lease_vm(pid_t pid, int launcher)
{
	struct tb_proc vm;

	return tb_proc_vm(pid, launcher, &vm);
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
	if (l->kind != TB_LEASE_MACVTAP)
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
	if (l->kind == TB_LEASE_ROUTED)
		tb_routed_release(b, l);
	tb_port_unguard(b, l->ifname, l->ifindex,
			l->kind == TB_LEASE_TAP || l->kind == TB_LEASE_ADOPTED);
	if (l->ending)
		b->ending--;
	free(l->addrs);
	tb_log(LOG_INFO,
	       "release %s on %s of uid %u vm %d%s%s after %" PRIu64 " s: %s",
	       l->ifname, l->dev, (unsigned int)l->uid, (int)l->vm,
	       l->label[0] ? " " : "", l->label, tb_lease_now() - l->since,
	       why);
	*l = b->leases[--b->nleases];
}

/**
 * tb_lease_watch() - watch the VM of macvtap lease @l with a pidfd
 *
 * The pidfd is taken, then the start time and uid read under it: if the
 * pid was reused in between (or, after a restart, is another process's),
 * the VM is gone and the lease must not be made or taken up.  The uid
 * also holds when a later process got the pid within the same clock tick
 * (the start time's unit), so no other user's process keeps it alive.
 * Return: 0, or -ESRCH (the VM is gone) or another -errno.
 */
int tb_lease_watch(struct tb_broker *b, struct tb_lease *l)
{
	struct tb_proc p;
	int err;

	l->pidfd = tb_proc_pin(l->vm, &p, &p.uid);
	if (l->pidfd == TB_PIN_NONE)
		l->pidfd = -ENOSYS; /* nothing to watch the VM with */
	if (l->pidfd >= 0 && (p.start != l->start || p.uid != l->uid)) {
		close(l->pidfd);
		l->pidfd = -ESRCH;
	}
	if (l->pidfd < 0) {
		err = l->pidfd;
		l->pidfd = -1;
		return err;
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

		if (l->pidfd != pidfd)
			continue;
		tb_lease_reap(b, l->ifindex);
		tb_lease_drop(b, l, "its VM exited");
	}
}

/**
 * tb_lease_reap() - have link @ifindex deleted soon, in a batch
 *
 * Moving it to TB_REAP_GROUP is quick; tb_lease_tick() deletes the group.
 */
void tb_lease_reap(struct tb_broker *b, int ifindex)
{
	int err = tb_nl_link_group(b->nl, ifindex, TB_REAP_GROUP);

	if (err == -ENODEV)
		return;
	if (err) { /* cannot batch it: delete it now */
		tb_nl_link_del(b->nl, ifindex);
		return;
	}
	if (!b->reap_pending++)
		b->reap_since = tb_now_ms();
}

/*
 * Undoes the interface of lease @l, which nothing holds (@probe: the
 * broker's fd on it, or -1): an adopted tap is put back, others deleted.
 */
static void tb_lease_end(struct tb_broker *b, const struct tb_lease *l,
			 int probe)
{
	if (l->kind == TB_LEASE_ADOPTED) {
		tb_tenant_put_back(b, l, probe);
		return;
	}
	tb_lease_reap(b, l->ifindex);
	if (probe >= 0)
		tb_closer_close(probe);
}

/*
 * Ends lease @l now, held or not, logging @why.  A tap the broker made is
 * deleted, which detaches every fd.  An adopted tap leaves its bridge and
 * goes down; it stays a lease (ending) until nothing holds it, and is put
 * back only then (tb_lease_check()).
 * Return: 1 if @l was dropped, 0 if it stays, ending.
 */
static int tb_lease_revoke(struct tb_broker *b, struct tb_lease *l,
			   const char *why)
{
	int probe, err;

	if (l->kind != TB_LEASE_ADOPTED) {
		tb_lease_end(b, l, -1);
		tb_lease_drop(b, l, why);
		return 1;
	}
	if (!l->ending++)
		b->ending++;
	if (tb_tenant_hold(b, l, &probe) == TB_HOLD_FREE) {
		tb_lease_end(b, l, probe);
		tb_lease_drop(b, l, why);
		return 1;
	}
	err = tb_nl_link_isolate(b->nl, l->ifindex);
	tb_log(err ? LOG_ERR : LOG_NOTICE,
	       "%s of uid %u %s: %s, put back once nothing holds it%s%s",
	       l->ifname, (unsigned int)l->uid,
	       err ? "stays in its bridge" : "left its bridge and is down", why,
	       err ? ": " : "", err ? strerror(-err) : "");
	return 0;
}

/* Ends a tap's lease if no fd is attached any more (events can be stale,
 * and carrier can be faked). */
static void tb_lease_check(struct tb_broker *b, struct tb_lease *l,
			   const char *why)
{
	int probe;

	switch (tb_tenant_hold(b, l, &probe)) {
	case TB_HOLD_HELD:
		return;
	case TB_HOLD_GONE:
		tb_lease_drop(b, l, "the interface is gone");
		return;
	case TB_HOLD_STOLEN:
		tb_lease_revoke(
			b, l,
			"its holder changed the tap's tun owner (TUNSETOWNER)");
		return;
	case TB_HOLD_DEBUG:
		tb_lease_revoke(
			b, l,
			"its holder turned on the tun driver's messages (TUNSETDEBUG), a line in the kernel log for every frame");
		return;
	case TB_HOLD_FREE:
		tb_lease_end(b, l, probe);
		tb_lease_drop(b, l,
			      l->ending ? "nothing holds it any more" : why);
		return;
	}
}

/**
 * tb_lease_link() - a link changed (RTM_NEWLINK) or went away (RTM_DELLINK)
 *
 * A lease whose interface is gone ends at once.  Otherwise the event is
 * noted on the lease, and tb_lease_events() checks it once after the whole
 * read: a tap is checked when the last event said its carrier is off (its
 * holder may have closed it), or any event said a tun owner that is not
 * the lease's (TUNSETOWNER).  A new tap's own events (up before its carrier
 * comes on) then cost no check: the last one says carrier on, and a later
 * close sends a later event.  The sweep (tb_lease_tick()) still checks all.
 */
void tb_lease_link(void *arg, int ifindex, int gone, int carrier,
		   uint32_t tun_owner)
{
	struct tb_broker *b = arg;
	struct tb_lease *l = tb_lease_find(b, ifindex);

	if (!l) {
		if (gone)
			tb_pool_gone(ifindex);
		return;
	}
	if (gone) {
		tb_lease_drop(b, l, "the interface is gone");
		return;
	}
	if (l->kind == TB_LEASE_MACVTAP)
		return;
	if (!l->ev_seen) { /* the first of this read */
		l->ev_seen = 1;
		l->ev_carrier = -1;
		l->ev_owner = 0;
	}
	if (carrier >= 0)
		l->ev_carrier = carrier;
	if (tun_owner != l->tun_owner)
		l->ev_owner = 1;
}

/* The checks tb_lease_link() noted, one per lease. */
static void tb_lease_noted(struct tb_broker *b)
{
	struct tb_lease *l;

	for (size_t i = b->nleases; i-- > 0;) { /* as the sweep: may drop */
		l = &b->leases[i];
		if (!l->ev_seen)
			continue;
		l->ev_seen = 0;
		if (l->ev_carrier == 0 || (!l->ending && l->ev_owner))
			tb_lease_check(b, l, "its VM closed it");
	}
}

/**
 * tb_lease_tick() - batch deletions and the periodic sweep, when due
 * Return: ms until the next is due, for the loop's timeout.
 */
int tb_lease_tick(struct tb_broker *b)
{
	uint64_t now = tb_now_ms(), due;
	int err;

	if (b->reap_pending && (b->reap_pending >= TB_REAP_BATCH ||
				now - b->reap_since >= TB_REAP_DELAY_MS)) {
		err = tb_nl_group_del(b->nl, TB_REAP_GROUP);
		if (err)
			tb_log(LOG_ERR, "cannot delete ended taps: %s",
			       strerror(-err));
		b->reap_pending = 0;
	}
	if (now - b->swept >= TB_SWEEP_MS) {
		for (size_t i = b->nleases; i-- > 0;)
			if (b->leases[i].kind != TB_LEASE_MACVTAP)
				tb_lease_check(b, &b->leases[i],
					       "its VM closed it");
		b->swept = b->ending_swept = now;
	}
	if (b->ending && now - b->ending_swept >= TB_ENDING_MS) {
		for (size_t i = b->nleases; i-- > 0;)
			if (b->leases[i].ending)
				tb_lease_check(b, &b->leases[i], "");
		b->ending_swept = now;
	}
	due = b->swept + TB_SWEEP_MS - now;
	if (b->ending && b->ending_swept + TB_ENDING_MS - now < due)
		due = b->ending_swept + TB_ENDING_MS - now;
	if (b->reap_pending && b->reap_since + TB_REAP_DELAY_MS - now < due)
		due = b->reap_since + TB_REAP_DELAY_MS - now;
	return (int)due;
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

	tb_lease_noted(b);
	if (err == -ENOBUFS) {
		tb_log(LOG_NOTICE, "link events were lost; checking %zu leases",
		       b->nleases);
		b->swept = 0; /* the next tick sweeps */
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
		       l->ifname, l->dev, (unsigned int)l->uid, (int)l->vm);
		return;
	}
	if (l->pidfd >= 0)
		close(l->pidfd);
	tb_lease_reap(b, l->ifindex);
	tb_log(LOG_INFO,
	       "removed orphan %s (macvtap on %s) of uid %u: its VM %d exited while the broker was away",
	       l->ifname, l->dev, (unsigned int)l->uid, (int)l->vm);
}

/* Taps and macvtaps the broker named (tbN, tbmN), alias or not. */
static int tb_lease_ours(const char *ifname)
{
	const char *d = ifname + 2 + (ifname[2] == 'm');

	return !strncmp(ifname, "tb", 2) && *d &&
	       strspn(d, "0123456789") == strlen(d);
}

/* An adopted tap's alias ends "was=MASTER,MTU,UP[,OWNER]": how to put it
 * back. */
static void tb_lease_found_was(struct tb_lease *l, const char *alias)
{
	const char *was = strstr(alias, " was=");
	int master, up;
	unsigned int mtu;

	if (!was || sscanf(was, " was=%d,%u,%d", &master, &mtu, &up) != 3)
		return;
	l->kind = TB_LEASE_ADOPTED;
	l->was = (struct tb_link_info){.ifindex = l->ifindex,
				       .master = master,
				       .mtu = mtu,
				       .flags = up ? IFF_UP : 0,
				       .owner = (uint32_t)-1};
	/* ",OWNER" since owners are taken: the tun owner to give back */
	sscanf(was, " was=%*d,%*u,%*d,%u", &l->was.owner);
}

/* A routed tap's alias also has "start=S" and maybe "proxy=UPLINK". */
static void tb_lease_found_routed(struct tb_lease *l, const char *alias)
{
	const char *s = strstr(alias, " start=");

	l->kind = TB_LEASE_ROUTED;
	if (s)
		sscanf(s, " start=%llu", &l->start);
	s = strstr(alias, " proxy=");
	if (s)
		sscanf(s, " proxy=%15s", l->proxy);
}

/* Fields of an alias's " was=..." (3 before owners were taken, then 4). */
static int tb_lease_was_fields(const char *alias)
{
	const char *w = strstr(alias, " was=");
	int n = 1;

	if (!w)
		return 0;
	for (w += 5; *w && *w != ' '; w++)
		n += *w == ',';
	return n;
}

/*
 * The tun owner a found tap must keep.  A broker before TB_TUN_OWNER left
 * taps owned by their user (or, adopted, by their admin's choice: the
 * alias then has 3 fields in was=).  A multi_queue one is made root's now
 * (else its user could attach queues by name); a single-queue one keeps
 * its owner to its end: while held nobody attaches it at all (EBUSY).
 */
static void tb_lease_found_owner(struct tb_broker *b, struct tb_lease *l,
				 const char *alias)
{
	struct tb_link_info info;
	int old = l->kind != TB_LEASE_ADOPTED || tb_lease_was_fields(alias) < 4;

	l->tun_owner = TB_TUN_OWNER;
	if (!old || tb_nl_link_info(b->nl, l->ifname, &info) ||
	    info.owner == TB_TUN_OWNER ||
	    (info.owner != (uint32_t)l->uid &&
	     (l->kind != TB_LEASE_ADOPTED || info.owner != (uint32_t)-1)))
		return; /* root's, or changed by its holder: judged as such */
	if (!info.multi_queue || tb_tenant_own(l, &info))
		l->tun_owner = info.owner;
}

static void tb_lease_found_tap(struct tb_broker *b, struct tb_lease *l,
			       const char *alias)
{
	enum tb_hold hold;
	int probe;

	tb_lease_found_owner(b, l, alias);
	hold = tb_tenant_hold(b, l, &probe);
	/* a routed one is taken even when free: its addresses are learnt
	 * first (tb_routed_rescan()), then its lease ends properly */
	if (hold == TB_HOLD_FREE && l->kind == TB_LEASE_ROUTED && probe >= 0) {
		tb_closer_close(probe);
		probe = -1;
	}
	if ((hold == TB_HOLD_HELD || hold == TB_HOLD_STOLEN ||
	     hold == TB_HOLD_DEBUG || l->kind == TB_LEASE_ROUTED) &&
	    !tb_lease_add(b, l)) {
		tb_log(LOG_INFO, "lease %s on %s of uid %u vm %d found again",
		       l->ifname, l->dev, (unsigned int)l->uid, (int)l->vm);
		return;
	}
	if (hold == TB_HOLD_GONE)
		return;
	tb_lease_end(b, l, probe);
	tb_log(LOG_INFO,
	       "removed orphan %s on %s of uid %u: its VM %d closed it while the broker was away",
	       l->ifname, l->dev, (unsigned int)l->uid, (int)l->vm);
}

/*
 * A bridged, adopted or macvtap lease's " addrs=A,B" (tb_lease_alias_addrs())
 * read back: at most TB_ADDRS, each parsed as a prefix.  Only a broker
 * (CAP_NET_ADMIN) writes an ifalias; one that does not parse is logged and
 * claims nothing.
 */
static void tb_lease_found_addrs(struct tb_lease *l, const char *alias)
{
	const char *s = strstr(alias, " addrs=");
	char list[TB_ALIAS_MAX], why[128], *save = NULL, *tok;
	struct tb_prefix p[TB_ADDRS];
	size_t n = 0;

	if (!s || sscanf(s, " addrs=%255s", list) != 1)
		return;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == TB_ADDRS ||
		    tb_prefix_parse(tok, 1, &p[n], why, sizeof(why))) {
			tb_log(LOG_WARNING,
			       "%s: its record's addrs= is not valid",
			       l->ifname);
			return;
		}
		n++;
	}
	l->addrs = n ? calloc(n, sizeof(*l->addrs)) : NULL;
	if (l->addrs) {
		memcpy(l->addrs, p, n * sizeof(*p));
		l->naddrs = n;
	}
}

static void tb_lease_found(void *arg, int ifindex, const char *ifname,
			   const char *alias, unsigned int mtu, int carrier)
{
	struct tb_broker *b = arg;
	struct tb_lease l = {.ifindex = ifindex, .mtu = mtu, .pidfd = -1};
	struct tb_lease *found;
	char mode[16];
	unsigned int uid;
	int vm;

	(void)carrier; /* only a hint: tb_tenant_hold() asks the kernel */
	snprintf(l.ifname, sizeof(l.ifname), "%s", ifname);
	if (strstr(alias, " label="))
		sscanf(strstr(alias, " label="), " label=%32s", l.label);
	if (sscanf(alias,
		   TB_ALIAS_PREFIX
		   "uid=%u vm=%d start=%llu macvtap=%15s mode=%15s",
		   &uid, &vm, &l.start, l.dev, mode) == 5) {
		l.kind = TB_LEASE_MACVTAP;
		l.mode = tb_macvtap_mode(mode);
		l.uid = (uid_t)uid;
		l.vm = (pid_t)vm;
		tb_lease_found_addrs(&l, alias);
		tb_lease_found_macvtap(b, &l);
	} else if (sscanf(alias, TB_ALIAS_PREFIX "uid=%u vm=%d br=%15s", &uid,
			  &vm, l.dev) == 3) {
		l.uid = (uid_t)uid;
		l.vm = (pid_t)vm;
		tb_lease_found_was(&l, alias);
		if (!strcmp(l.dev, "-"))
			tb_lease_found_routed(&l, alias);
		else
			tb_lease_found_addrs(&l, alias);
		tb_lease_found_tap(b, &l, alias);
	} else if (tb_pool_alias(alias) && tb_lease_ours(ifname)) {
		tb_lease_reap(b, ifindex); /* the pool is made afresh */
		tb_log(LOG_INFO,
		       "removed %s: a warm-pool tap of a previous run", ifname);
	} else if (!alias[0] && tb_lease_ours(ifname)) {
		tb_lease_reap(b, ifindex);
		tb_log(LOG_INFO,
		       "removed %s: made by a broker that stopped before it was handed out",
		       ifname);
	}
	found = tb_lease_named(b, ifname);
	if (!found || found->addrs != l.addrs) /* not taken up */
		free(l.addrs);
}

/**
 * tb_lease_rescan() - at start-up, take up the leases of a previous run
 * Return: 0, or -errno.
 */
int tb_lease_rescan(struct tb_broker *b)
{
	int err = tb_nl_scan(b->nl, tb_lease_found, b);

	if (!err)
		err = tb_routed_rescan(b);
	/* routed ones taken though free end now; so does one whose tun owner
	 * is not what it must be (changed by its holder while the broker was
	 * away, or an adoption the broker was killed in the middle of), not
	 * at the next sweep */
	for (size_t i = b->nleases; !err && i-- > 0;)
		if (b->leases[i].kind != TB_LEASE_MACVTAP)
			tb_lease_check(
				b, &b->leases[i],
				"its VM closed it while the broker was away");
	return err;
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

	snprintf(why, sizeof(why), "released by uid %u", (unsigned int)by);
	return tb_lease_cancel(b, ifname, why);
}

/**
 * tb_lease_cancel() - end the lease on @ifname now, logging @why
 *
 * An adopted tap still held stays a lease, out of its bridge and down,
 * until nothing holds it (tb_lease_revoke()).
 * Return: 0, or -ENOENT (no such lease).
 */
int tb_lease_cancel(struct tb_broker *b, const char *ifname, const char *why)
{
	struct tb_lease *l = tb_lease_named(b, ifname);

	if (!l)
		return -ENOENT;
	tb_lease_revoke(b, l, why);
	return 0;
}

/* The lease on interface @ifname, or NULL. */
struct tb_lease *tb_lease_named(struct tb_broker *b, const char *ifname)
{
	for (size_t i = 0; i < b->nleases; i++)
		if (!strcmp(b->leases[i].ifname, ifname))
			return &b->leases[i];
	return NULL;
}

void tb_lease_free(struct tb_broker *b)
{
	for (size_t i = 0; i < b->nleases; i++)
		free(b->leases[i].addrs);
	if (b->reap_pending) /* nothing waits for the next tick now */
		tb_nl_group_del(b->nl, TB_REAP_GROUP);
	free(b->leases);
	b->leases = NULL;
	b->nleases = b->cap = 0;
}
