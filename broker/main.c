// SPDX-License-Identifier: GPL-2.0-or-later
/* tapbroker: start-up in the fixed privilege order, then serve. */
#include "broker.h"
#include "guard.h"
#include "port.h"
#include "doctor.h"
#include "pool.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char tb_usage[] =
	"Usage: tapbroker [--config FILE] [--qemu-acl FILE] [--socket PATH]\n"
	"                 [--foreground] [--seccomp=kill|trap|log|off]\n"
	"       tapbroker check [--config FILE] [--qemu-acl FILE]\n"
	"       tapbroker explain [--config FILE] [--qemu-acl FILE] --user U\n"
	"                         [--group G ...] --bridge BR\n"
	"       tapbroker status [--json] [--socket PATH]\n"
	"       tapbroker release IFNAME [--socket PATH]\n"
	"       tapbroker doctor [--config FILE] [--qemu-acl FILE] [--json]\n"
	"\n"
	"Hands unprivileged VMs bridged taps, as its policy allows.\n"
	"\n"
	"  -c, --config FILE   tapbroker policy (tapbroker.conf format)\n"
	"  -q, --qemu-acl FILE qemu bridge.conf, applied to every user\n"
	"  -s, --socket PATH   listening socket (default " TB_DEFAULT_SOCKET
	")\n"
	"  -f, --foreground    stay in the foreground, log to stderr\n"
	"      --seccomp=MODE  kill (default), trap (name the call), log, off\n"
	"\n"
	"check: validate the policy; print a summary (exit 0) or every error\n"
	"with FILE:LINE (exit 1).\n"
	"explain: print allow or deny, the reason and the deciding rule\n"
	"(exit 0 allow, 1 deny, 2 error); see tapbroker explain --help.\n"
	"status, release: list the leases, end one (root and admin_groups).\n"
	"doctor: find what breaks VM networking here, with the fix of each\n"
	"(exit 0 nothing at warning or above, 1 something, 2 error).\n";

static void tb_parse_seccomp(const char *s, struct tb_broker *b)
{
	static const char *const names[] = {
		[TB_SECCOMP_KILL] = "kill",
		[TB_SECCOMP_TRAP] = "trap",
		[TB_SECCOMP_LOG] = "log",
		[TB_SECCOMP_OFF] = "off",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			b->seccomp = (enum tb_seccomp_mode)i;
			return;
		}
	fprintf(stderr, "tapbroker: --seccomp=%s: use kill, trap, log or off\n",
		s);
	exit(2);
}

/* daemon() moves to /: relative paths must still work on SIGHUP and exit. */
static const char *tb_absolute(const char *path)
{
	char cwd[PATH_MAX], *abs;

	if (!path || path[0] == '/')
		return path;
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, path) < 0)
		tb_die("cannot make %s an absolute path: %s", path,
		       strerror(errno));
	return abs; /* lives as long as the process */
}

static void tb_parse_args(int argc, char **argv, struct tb_broker *b)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"qemu-acl", required_argument, NULL, 'q'},
		{"socket", required_argument, NULL, 's'},
		{"foreground", no_argument, NULL, 'f'},
		{"seccomp", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:q:s:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			b->config = optarg;
			break;
		case 'q':
			b->qemu_acl = optarg;
			break;
		case 's':
			b->socket_path = optarg;
			break;
		case 'f':
			b->foreground = 1;
			break;
		case 'S':
			tb_parse_seccomp(optarg, b);
			break;
		case 'h':
			fputs(tb_usage, stdout);
			exit(0);
		case 'V':
			puts(PACKAGE_STRING);
			exit(0);
		default:
			fputs(tb_usage, stderr);
			exit(2);
		}
	}
	b->config = tb_absolute(b->config);
	b->qemu_acl = tb_absolute(b->qemu_acl);
	b->socket_path = tb_absolute(b->socket_path);
	if (!b->config && !b->qemu_acl) {
		fprintf(stderr,
			"tapbroker: give --config FILE and/or --qemu-acl FILE (default deny: without a policy nobody gets anything)\n");
		exit(2);
	}
}

/* Loads the policy or prints every error and exits 1. */
static struct tb_policy *tb_load_or_exit(const struct tb_broker *b)
{
	struct tb_policy *pol;
	struct tb_diag diag = {0};

	if (!tb_policy_load(b->config, b->qemu_acl, &pol, &diag))
		return pol;
	fputs(diag.text, stderr);
	fprintf(stderr, "tapbroker: policy refused (%u error%s)\n", diag.count,
		diag.count == 1 ? "" : "s");
	exit(1);
}

/* A warning of `tapbroker check` (policy/shared.c): the exit stays 0. */
static void tb_check_warn(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "tapbroker: warning: %s\n", line);
}

static int tb_check(struct tb_broker *b)
{
	char sum[256];

	b->policy = tb_load_or_exit(b);
	tb_policy_summary(b->policy, sum, sizeof(sum));
	printf("policy ok: %s\n", sum);
	fflush(stdout);
	tb_policy_warnings(b->policy, tb_check_warn, NULL);
	tb_policy_free(b->policy);
	return 0;
}

/* Step 2, continued: rtnetlink (requests and link events), the tun ioctl
 * socket, the event loop, and the leases of a previous run. */
static void tb_open_kernel(struct tb_broker *b)
{
	int err = tb_nl_open(&b->nl);

	if (err)
		tb_die("cannot open rtnetlink: %s", strerror(-err));
	b->events_fd = tb_nl_events_open(b->nl, tb_lease_link, b);
	if (b->events_fd < 0)
		tb_die("cannot subscribe to link events: %s",
		       strerror(-b->events_fd));
	err = tb_tun_init();
	if (err)
		tb_die("cannot open the ioctl socket: %s", strerror(-err));
	err = tb_loop_init(b);
	if (err)
		tb_die("cannot set up the event loop: %s", strerror(-err));
	err = tb_lease_rescan(b); /* after the loop: macvtaps are watched */
	if (err)
		tb_die("cannot look for leases of a previous run: %s",
		       strerror(-err));
	/* guards (guard.c): libnftables' socket and tables, before seccomp */
	err = tb_guard_open(&b->guard);
	if (err)
		tb_log(LOG_NOTICE, "no guards can be made (nftables: %s)",
		       strerror(-err));
	if (b->guard) {
		err = tb_guard_watch_open(b->guard);
		if (err >= 0)
			err = tb_loop_watch_guards(b, err);
		if (err < 0)
			tb_die("cannot watch nftables for the guards: %s",
			       strerror(-err));
	}
	err = tb_port_guards_rescan(b);
	if (err)
		tb_log(LOG_ERR, "cannot check the guards of a previous run: %s",
		       strerror(-err));
}

int main(int argc, char **argv)
{
	struct tb_broker b = {.socket_path = TB_DEFAULT_SOCKET};
	char inherited[108];
	char sum[256];
	int err;

	if (argc > 1 &&
	    (!strcmp(argv[1], "status") || !strcmp(argv[1], "release")))
		return tb_admin_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "doctor"))
		return tb_doctor_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "explain"))
		return tb_explain_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "check")) {
		tb_parse_args(argc - 1, argv + 1, &b);
		return tb_check(&b);
	}
	tb_parse_args(argc, argv, &b);
	tb_log_init(1);
	if (geteuid() != 0) /* before daemon(): say it where it is seen */
		tb_die("must be started as root (it keeps only CAP_NET_ADMIN afterwards)");
	b.policy = tb_load_or_exit(&b); /* 1. config */
	b.listen_fd = tb_server_inherit(inherited, sizeof(inherited));
	b.activated = b.listen_fd >= 0;
	if (b.activated) /* 2. sockets */
		b.socket_path = inherited;
	else
		b.listen_fd = tb_server_listen(b.socket_path);
	if (!b.foreground && daemon(0, 0) < 0)
		tb_die("cannot become a daemon: %s", strerror(errno));
	tb_log_init(b.foreground);
	tb_open_kernel(&b);
	tb_priv_drop(); /* 3. capabilities */
	err = tb_closer_start(); /* inherits them; seccomp covers it too */
	if (err)
		tb_log(LOG_WARNING,
		       "no closer thread (%s): fds closed in place",
		       strerror(-err));
	tb_priv_seccomp(b.seccomp); /* 4. seccomp */
	tb_policy_summary(b.policy, sum, sizeof(sum));
	tb_log(LOG_INFO, "listening on %s%s; policy: %s", b.socket_path,
	       b.activated ? " (from systemd)" : "", sum);
	tb_server_notify("READY=1");
	tb_loop_run(&b);
	tb_closer_stop();
	tb_loop_free(&b);
	tb_pool_stop(&b); /* a clean stop deletes the pool (with the reaps) */
	tb_lease_free(&b);
	tb_guard_close(b.guard);
	if (!b.activated)
		unlink(b.socket_path);
	tb_nl_close(b.nl);
	tb_policy_free(b.policy);
	return 0;
}
