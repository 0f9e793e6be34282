// SPDX-License-Identifier: GPL-2.0-or-later
/* The bench's private namespaces, its bridge, its filling taps, its broker. */
#include "bench.h"
#include "proto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Theory of operation
 *
 * The bench unshares a network and a mount namespace for itself, so every
 * process it starts (broker, helpers, ip) lives in them, and nothing it
 * does can reach the host's interfaces or mounts.  Mount propagation is
 * made private first.  A tmpfs mounted on an empty directory under /tmp
 * holds every file it writes; qemu-bridge-helper's ACL appears at
 * /etc/qemu/bridge.conf by a bind mount (the file exists) or an overlay on
 * /etc (it does not).  Children get PR_SET_PDEATHSIG, so when the bench
 * dies, they die, the namespaces go, and the kernel removes what is left.
 */

static char bn_tmp_dir[BN_PATH_MAX]; /* for the exit and signal handlers */
static pid_t bn_main_pid;

/* Removes the private tmpfs and its mount point; only async-safe calls. */
static void bn_tmp_remove(void)
{
	if (bn_tmp_dir[0] && getpid() == bn_main_pid) {
		umount2(bn_tmp_dir, MNT_DETACH);
		rmdir(bn_tmp_dir);
		bn_tmp_dir[0] = '\0';
	}
}

static void bn_on_signal(int sig)
{
	bn_tmp_remove();
	_exit(128 + sig);
}

static void bn_write(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) < 0 || close(fd) < 0)
		bn_die("cannot write %s: %s", path, strerror(errno));
}

static ino_t bn_netns_ino(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		bn_die("cannot stat /proc/self/ns/net: %s", strerror(errno));
	return st.st_ino;
}

/**
 * bn_ns_enter() - private network and mount namespaces, a private tmpfs
 *
 * Dies unless the bench ends up in a network namespace of its own.
 */
void bn_ns_enter(struct bn_env *e)
{
	ino_t host = bn_netns_ino();

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		bn_die("cannot unshare network and mount namespaces: %s",
		       strerror(errno));
	if (bn_netns_ino() == host)
		bn_die("still in the host's network namespace; stopping");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		bn_die("cannot make mounts private: %s", strerror(errno));
	snprintf(e->tmp, sizeof(e->tmp), "/tmp/tbbench.XXXXXX");
	if (!mkdtemp(e->tmp))
		bn_die("mkdtemp: %s", strerror(errno));
	if (mount("tmpfs", e->tmp, "tmpfs", 0, "mode=0755,size=64m") < 0)
		bn_die("cannot mount a tmpfs on %s: %s", e->tmp,
		       strerror(errno));
	snprintf(bn_tmp_dir, sizeof(bn_tmp_dir), "%s", e->tmp);
	bn_main_pid = getpid();
	atexit(bn_tmp_remove);
	signal(SIGINT, bn_on_signal);
	signal(SIGTERM, bn_on_signal);
	e->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	e->nl = bn_nl_open();
	if (e->ctl < 0 || e->nl < 0)
		bn_die("cannot open control sockets: %s", strerror(errno));
}

/* /etc/qemu does not exist: an overlay on /etc adds qemu/bridge.conf. */
static int bn_ns_overlay_etc(struct bn_env *e, const char *acl)
{
	char upper[BN_PATH_MAX + 16], work[BN_PATH_MAX + 16];
	char dir[BN_PATH_MAX + 32], file[BN_PATH_MAX + 48];
	char opts[3 * BN_PATH_MAX + 64];

	snprintf(upper, sizeof(upper), "%s/upper", e->tmp);
	snprintf(work, sizeof(work), "%s/work", e->tmp);
	snprintf(dir, sizeof(dir), "%s/qemu", upper);
	snprintf(file, sizeof(file), "%s/bridge.conf", dir);
	if (mkdir(upper, 0755) || mkdir(work, 0755) || mkdir(dir, 0755))
		return -errno;
	bn_write(file, acl, 0644);
	snprintf(opts, sizeof(opts), "lowerdir=/etc,upperdir=%s,workdir=%s",
		 upper, work);
	return mount("overlay", "/etc", "overlay", 0, opts) < 0 ? -errno : 0;
}

/**
 * bn_ns_qemu_acl() - "allow br0" at /etc/qemu/bridge.conf, in our mounts only
 *
 * qemu-bridge-helper reads that fixed path.  The host's file system is
 * never written: an existing file is covered by a bind mount, a missing
 * one is supplied by an overlay on /etc.  On failure the row is skipped
 * and e->qbh_why says why.
 */
void bn_ns_qemu_acl(struct bn_env *e)
{
	static const char acl[] = "allow " BN_BRIDGE "\n";
	const char *target = "/etc/qemu/bridge.conf";
	char file[BN_PATH_MAX + 16], got[64] = "";
	struct stat st;
	int err, fd;

	if (!e->qbh)
		return;
	snprintf(file, sizeof(file), "%s/bridge.conf", e->tmp);
	bn_write(file, acl, 0644);
	if (!stat(target, &st))
		err = mount(file, target, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
	else
		err = bn_ns_overlay_etc(e, acl);
	fd = err ? -1 : open(target, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, got, sizeof(got) - 1) < 0)
		got[0] = '\0';
	if (fd >= 0)
		close(fd);
	if (err || strcmp(got, acl)) {
		snprintf(e->qbh_why, sizeof(e->qbh_why),
			 "cannot show it %s in a private mount namespace: %s",
			 target, err ? strerror(-err) : "content differs");
		e->qbh = NULL;
	}
}

/* Creates BN_BRIDGE (SIOCBRADDBR), brings it up, learns index and MTU. */
void bn_ns_bridge(struct bn_env *e)
{
	int err;

	if (ioctl(e->ctl, SIOCBRADDBR, BN_BRIDGE) < 0)
		bn_die("cannot create bridge %s: %s (is the bridge module available?)",
		       BN_BRIDGE, strerror(errno));
	err = bn_if_up(e->ctl, BN_BRIDGE);
	if (!err)
		err = bn_nl_getlink(e->nl, BN_BRIDGE, &e->br_index, &e->mtu);
	if (err)
		bn_die("cannot bring %s up: %s", BN_BRIDGE, strerror(-err));
}

/* Adds persistent filling taps until the bridge has @ports of them. */
void bn_ns_fill(struct bn_env *e, unsigned int ports)
{
	int err;

	for (; e->nfill < ports; e->nfill++) {
		err = bn_fill_tap(e);
		if (err)
			bn_die("cannot add filling tap %u: %s", e->nfill + 1,
			       strerror(-err));
	}
	if (!ports && e->nfill) {
		err = bn_nl_del(e->nl, 0, BN_GROUP_FILL);
		if (err)
			bn_die("cannot delete the filling taps: %s",
			       strerror(-err));
		e->nfill = 0;
	}
	if (e->broker_pid > 0)
		bn_broker_settle(e);
}

/**
 * bn_ns_reap() - delete every tap the measurements left on the bridge
 *
 * All group-0 ports of the bridge (the filling taps are in their own
 * group) go in one RTM_DELLINK, then @taps' fds are closed, which is cheap
 * once the device is gone; then the broker is given time to read the
 * events.  Done between rounds, never while timing.
 */
void bn_ns_reap(struct bn_env *e, struct bn_tap *taps, unsigned int n)
{
	unsigned int i;
	int err;

	err = bn_nl_regroup_ports(e->nl, e->br_index);
	if (err >= 0)
		err = bn_nl_del(e->nl, 0, BN_GROUP_REAP);
	if (err < 0)
		bn_die("cannot delete the measured taps: %s", strerror(-err));
	for (i = 0; i < n; i++) {
		if (taps[i].fd >= 0)
			close(taps[i].fd);
		taps[i].fd = -1;
	}
	bn_broker_settle(e);
}

/* Child side of bn_broker_start(): stderr to the log, then exec. */
static void __attribute__((noreturn))
bn_broker_exec(struct bn_env *e, const char *policy)
{
	char *argv[] = {
		(char *)e->broker, "--foreground", "--config", (char *)policy,
		"--socket",	   e->sock,	   NULL};
	int fd = open(e->blog, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	execv(e->broker, argv);
	_exit(127);
}

/* Shows the broker's log (it lives in our tmpfs, gone when we exit). */
static void bn_broker_show_log(struct bn_env *e)
{
	char buf[4096];
	ssize_t n;
	int fd = open(e->blog, O_RDONLY | O_CLOEXEC);

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stderr);
	if (fd >= 0)
		close(fd);
}

/* Waits up to 5 s for the broker to accept connections. */
static void bn_broker_wait(struct bn_env *e)
{
	int i, s, status;

	for (i = 0; i < 500; i++) {
		if (waitpid(e->broker_pid, &status, WNOHANG) == e->broker_pid) {
			bn_broker_show_log(e);
			bn_die("tapbroker exited at start (status %d)", status);
		}
		s = bn_tb_connect(e->sock);
		if (s >= 0) {
			close(s);
			return;
		}
		usleep(10000);
	}
	bn_broker_show_log(e);
	bn_die("tapbroker did not listen on %s within 5 s", e->sock);
}

/**
 * bn_broker_start() - run tapbroker in the namespace, on a private socket
 *
 * Policy: a root-owned 0644 file allowing root on BN_BRIDGE, with a warm
 * pool of BN_POOL taps and the largest quota (the throughput rows hold up
 * to -t taps at once).  The broker's log goes to e->blog;
 * $TAPBROKER_SOCKET is set for the helper.
 */
void bn_broker_start(struct bn_env *e)
{
	char policy[BN_PATH_MAX + 16], text[256];

	snprintf(policy, sizeof(policy), "%s/policy.conf", e->tmp);
	snprintf(text, sizeof(text),
		 "pool = %d\n"
		 "allow \"bench\" {\n\tusers = { \"root\" }\n"
		 "\tbridges = { \"" BN_BRIDGE "\" }\n"
		 "\tquota = 4096\n}\n",
		 BN_POOL);
	bn_write(policy, text, 0644);
	snprintf(e->sock, sizeof(e->sock), "%s/socket", e->tmp);
	snprintf(e->blog, sizeof(e->blog), "%s/broker.log", e->tmp);
	e->broker_pid = fork();
	if (e->broker_pid < 0)
		bn_die("fork: %s", strerror(errno));
	if (!e->broker_pid)
		bn_broker_exec(e, policy);
	bn_broker_wait(e);
	setenv(TB_SOCKET_ENV, e->sock, 1);
}

void bn_broker_stop(struct bn_env *e)
{
	if (e->broker_pid <= 0)
		return;
	kill(e->broker_pid, SIGTERM);
	bn_wait(e->broker_pid);
	e->broker_pid = 0;
}

/* The broker's time on CPU so far, in ns (/proc/PID/schedstat). */
static unsigned long long bn_broker_cpu_ns(struct bn_env *e)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)e->broker_pid);
	f = fopen(path, "re");
	if (f && fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	if (f)
		fclose(f);
	return ns;
}

/**
 * bn_broker_settle() - wait until the broker has been idle for 1 ms
 *
 * Deleting taps in a batch floods the broker with link events (it watches
 * RTM_DELLINK for its leases).  That flood is the bench's doing, so the
 * next measurement waits until the broker has digested it (at most 2 s).
 */
void bn_broker_settle(struct bn_env *e)
{
	unsigned long long before, now = bn_broker_cpu_ns(e);
	int i;

	for (i = 0; i < 2000; i++) {
		before = now;
		usleep(1000);
		now = bn_broker_cpu_ns(e);
		if (now == before)
			return;
	}
}

/**
 * bn_pool_wait() - wait (untimed, 1 s at most) until the warm pool is full
 *
 * The broker refills its pool when idle; a VM's NIC request normally finds
 * it full.  The rows "warm pool" measure that case.
 */
void bn_pool_wait(struct bn_env *e)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (bn_nl_pool_count(e->nl, e->br_index) >= BN_POOL)
			return;
		usleep(1000);
	}
	bn_die("the broker's warm pool did not fill within 1 s");
}

static int bn_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* The broker's VmRSS and VmHWM (KiB) and its number of open fds. */
void bn_broker_usage(struct bn_env *e, long *rss_kib, long *hwm_kib, int *fds)
{
	char path[64], line[256];
	FILE *f;

	*rss_kib = *hwm_kib = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)e->broker_pid);
	f = fopen(path, "re");
	if (!f)
		bn_die("cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", rss_kib);
		sscanf(line, "VmHWM: %ld", hwm_kib);
	}
	fclose(f);
	*fds = bn_count_fds(e->broker_pid);
}

/* Deletes the filling taps and the bridge, then the private tmpfs. */
void bn_ns_leave(struct bn_env *e)
{
	int err;

	bn_ns_fill(e, 0);
	err = bn_nl_del(e->nl, e->br_index, 0);
	if (err)
		fprintf(stderr, "bench: cannot delete %s: %s\n", BN_BRIDGE,
			strerror(-err));
	close(e->nl);
	close(e->ctl);
	bn_tmp_remove();
}
