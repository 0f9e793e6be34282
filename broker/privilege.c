// SPDX-License-Identifier: GPL-2.0-or-later
/* How tapbroker's privilege is narrowed: capabilities, then seccomp. */
#include "broker.h"

#include <errno.h>
#include <grp.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

/*
 * Theory of operation
 *
 * tapbroker starts as root and narrows itself in a fixed order (main.c):
 *
 * 1. validate the configuration          all of root; reads files
 * 2. bind the listening socket, open the rtnetlink socket, the ioctl socket
 *    and syslog                           all of root; opens what it needs
 * 3. tb_priv_drop()                       uid stays 0, capabilities are cut
 *    to CAP_NET_ADMIN (effective and permitted), the bounding and ambient
 *    sets are emptied, no_new_privs is set and the process is made
 *    non-dumpable.  It can still create taps and change links; it can no
 *    longer override file permissions, load modules, ptrace, mount, etc.
 * 3b. tb_closer_start()                 the one extra thread (closer.c),
 *    started here so it inherits the narrowed capabilities
 * 4. tb_priv_seccomp()                    only the system calls listed
 *    below remain, in both threads (TSYNC); any other kills the process
 *    (or, for debugging, traps and names the call, or is logged).
 *
 * Why uid 0 is kept: macvtap's /dev/tapN nodes are root-owned 0600, and
 * policy files are root-owned.  A broker under another uid could not open
 * them without CAP_DAC_OVERRIDE, which would be worth more than uid 0 is
 * once every other capability is gone.  What root's file ownership still
 * allows is confined by this seccomp list, by systemd's ProtectSystem=strict
 * and by the SELinux module.
 */

/**
 * tb_priv_drop() - keep CAP_NET_ADMIN alone; no new privileges; not dumpable
 *
 * Dies if any step fails: running with more privilege than intended is
 * worse than not running.
 */
void tb_priv_drop(void)
{
	int err;

	if (geteuid() != 0)
		tb_die("must be started as root (it keeps only CAP_NET_ADMIN afterwards)");
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			 CAP_NET_ADMIN))
		tb_die("capng_update failed");
	err = capng_apply(CAPNG_SELECT_ALL);
	if (err)
		tb_die("cannot drop capabilities (capng_apply: %d)", err);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		tb_die("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		tb_die("PR_SET_DUMPABLE: %s", strerror(errno));
}

/* Every system call the broker makes after start-up, and what for. */
// clang-format off
static const int tb_seccomp_plain[] = {
	/* event loop (loop.c) */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(accept4), SCMP_SYS(close), SCMP_SYS(clock_gettime),
	/* client frames and fds (common/fdpass.c); libnl's rtnetlink traffic */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom),
	SCMP_SYS(sendto), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(shutdown),	/* closing a client that may hold files (server.c) */
	/* /dev/net/tun (tun.c); the policy on SIGHUP; getpwuid_r() */
	SCMP_SYS(openat), SCMP_SYS(read), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(fcntl),
	SCMP_SYS(connect),	/* nscd probe, syslog reconnect: AF_UNIX only */
	SCMP_SYS(getdents64),	/* globbed includes (policy.d) on SIGHUP */
	SCMP_SYS(readlinkat),	/* NSS (systemd userdb) resolving its paths */
	/* macvtap leases: the VM's pidfd; waiting for /dev/tapN (macvtap.c) */
	SCMP_SYS(pidfd_open), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	/* the guard's nftables batches (guard.c): libnftables polls its
	 * NETLINK_NETFILTER socket (opened with the context, before seccomp)
	 * with select() after each batch */
	SCMP_SYS(pselect6), SCMP_SYS(select),
	/* tap MAC addresses (request.c) */
	SCMP_SYS(getrandom),
	/* libsystemd's sd_notify() (server.c): the credentials it sends */
	SCMP_SYS(getuid), SCMP_SYS(getgid), SCMP_SYS(geteuid),
	SCMP_SYS(getegid),
	/* logging (log.c) */
	SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(getpid),
	SCMP_SYS(gettimeofday),
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex),
	/* signals and exit; removing our socket file at exit (main.c) */
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(unlink),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};
// clang-format on

/* ioctl() requests: tun.c (TUNSETLINK, TUNDETACHFILTER: an adopted tap
 * made Ethernet and unfiltered again before it is put back,
 * tb_tun_reset(); SIOCETHTOOL: a tap's driver messages read and turned
 * off, tb_tun_debug_off()). */
static const unsigned long tb_seccomp_ioctls[] = {
	TUNSETIFF,  TUNSETOWNER, TUNSETPERSIST,	  SIOCGIFINDEX,
	TUNSETLINK, SIOCETHTOOL, TUNDETACHFILTER,
};

static void tb_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[96];
	int n;

	n = snprintf(msg, sizeof(msg),
		     "tapbroker: seccomp: system call %d is not allowed\n",
		     si->si_syscall);
	if (write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(70);
	_exit(70);
}

static uint32_t tb_seccomp_action(enum tb_seccomp_mode mode)
{
	struct sigaction sa = {.sa_sigaction = tb_sigsys,
			       .sa_flags = SA_SIGINFO};

	switch (mode) {
	case TB_SECCOMP_TRAP:
		sigaction(SIGSYS, &sa, NULL);
		return SCMP_ACT_TRAP;
	case TB_SECCOMP_LOG:
		return SCMP_ACT_LOG;
	default:
		return SCMP_ACT_KILL_PROCESS;
	}
}

static int tb_seccomp_rules(scmp_filter_ctx ctx)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < sizeof(tb_seccomp_plain) / sizeof(int); i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, tb_seccomp_plain[i],
				       0);
	for (i = 0; !err && i < sizeof(tb_seccomp_ioctls) /
					    sizeof(tb_seccomp_ioctls[0]);
	     i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					       tb_seccomp_ioctls[i]));
	/* libconfuse's flex lexer asks isatty() of its input on reload */
	if (!err)
		err = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TCGETS));
	/* new sockets: AF_UNIX only (nscd probe, syslog reconnect) */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* getsockopt/setsockopt: SOL_SOCKET only (peer creds, timeouts) */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				       SCMP_SYS(getsockopt), 1,
				       SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				       SCMP_SYS(setsockopt), 1,
				       SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET));
	return err;
}

/*
 * NSS loads its modules (files, systemd, ...) with dlopen() on first use of
 * each database, and walks all of them only on a miss.  Load them all now,
 * while mmap(PROT_EXEC) and mprotect() are still allowed: a caller whose
 * uid is in no database, or a reloaded policy naming a new group, must not
 * be the first to need them.
 */
static void tb_priv_warm_nss(void)
{
	static const char none[] = "tapbroker-nss-warm-up";

	endpwent();
	(void)getpwnam(none);
	(void)getpwuid((uid_t)-2);
	(void)getgrnam(none);
	(void)getgrgid((gid_t)-2);
}

/**
 * tb_priv_seccomp() - install the system call allow-list
 * @mode:	what a call off the list does (kill by default)
 */
void tb_priv_seccomp(enum tb_seccomp_mode mode)
{
	scmp_filter_ctx ctx;
	int err;

	if (mode == TB_SECCOMP_OFF) {
		tb_log(LOG_WARNING,
		       "seccomp is off (--seccomp=off): for debugging only");
		return;
	}
	tb_priv_warm_nss();
	ctx = seccomp_init(tb_seccomp_action(mode));
	if (!ctx)
		tb_die("seccomp_init failed");
	/* every thread (closer.c's too), not only the calling one */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!err)
		err = tb_seccomp_rules(ctx);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err)
		tb_die("cannot install the seccomp filter: %s", strerror(-err));
}
