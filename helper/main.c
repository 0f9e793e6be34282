// SPDX-License-Identifier: GPL-2.0-or-later
/* tapbroker-helper: asks tapbroker for a tap and hands it to QEMU on --fd. */
#include "helper.h"
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define TBH_TIMEOUT_S 30 /* the broker answers in ms; this catches a hang */
#define TBH_ARG_MAX 4096 /* one argument of COMMAND, fds put in */

static const char tbh_usage[] =
	"Usage: tapbroker-helper --br=BRIDGE --fd=N [--use-vnet] [--mtu=N]\n"
	"                        [--vlan=N] [--trunk=LIST] [--adopt=TAP] [--vm=NAME]\n"
	"                        [--routed --address=A ... [--table=T] [--metric=M]\n"
	"                         [--gateway=A] [--proxy=UPLINK]]\n"
	"                        [--macvtap=DEV [--mode=MODE]] [--socket=PATH]\n"
	"       tapbroker-helper run [the options above but --fd] [--queues=N]\n"
	"                        [--vhost] [--separator=C] -- COMMAND [ARG...]\n"
	"\n"
	"Asks the tapbroker daemon for a tap attached to BRIDGE and passes it\n"
	"over the unix socket N, as qemu-bridge-helper does.  No privilege is\n"
	"needed: the broker decides by its policy who gets what.\n"
	"\n"
	"  --br=BRIDGE     bridge to join (QEMU passes it)\n"
	"  --fd=N          socket to send the tap's fd over (QEMU passes it)\n"
	"  --use-vnet      ask for IFF_VNET_HDR (QEMU passes it)\n"
	"  --mtu=N         the tap's MTU (default: the bridge's, within the\n"
	"                  policy's ceiling); at most the bridge's MTU\n"
	"  --vlan=N        access port: VLAN N untagged (PVID), VLAN 1 removed\n"
	"  --trunk=LIST    tagged VLANs, e.g. 10,20-30 (with --vlan: hybrid)\n"
	"  --vm=NAME       a label for the lease (tapbroker status, the log)\n"
	"  --adopt=TAP     use the pre-made persistent tap TAP (the policy must\n"
	"                  grant it; its tun owner must be you or none)\n"
	"  --routed        no bridge: host routes to the tap for --address=\n"
	"  --address=A[/L] an address (or prefix) the VM claims; repeatable\n"
	"  --table=T[,T]   routed: route tables (default main)\n"
	"  --metric=M      routed: route metric (default: the policy's lowest)\n"
	"  --gateway=A     routed: host-side address on the tap (169.254.0.1)\n"
	"  --proxy=UPLINK  routed: UPLINK answers ARP/NDP for the addresses\n"
	"  --macvtap=DEV   a macvtap on DEV instead of a tap in a bridge\n"
	"                  (QEMU's --br= is then ignored)\n"
	"  --mode=MODE     macvtap mode: vepa (default), bridge, private,\n"
	"                  passthru, source\n"
	"  --socket=PATH   broker socket (default $" TB_SOCKET_ENV ", else\n"
	"                  " TB_DEFAULT_SOCKET ")\n"
	"\n"
	"\n"
	"run (launcher mode, for any VMM): gets the fds, then execs COMMAND with\n"
	"them open, their numbers put where its arguments say @FDS@ (the queue\n"
	"fds), @VHOSTFDS@ (the vhost-net fds), @FD@ or @VHOSTFD@ (the first of\n"
	"each), and the tap's name for @IFNAME@.  COMMAND is the VM: the lease\n"
	"ends when it exits.  vnet_hdr is always on.\n"
	"  --queues=N      a multiqueue tap (IFF_MULTI_QUEUE), N fds (1-16)\n"
	"  --vhost         also one /dev/vhost-net fd per queue\n"
	"  --separator=C   joins @FDS@ and @VHOSTFDS@ (default ':'; ',' for\n"
	"                  cloud-hypervisor)\n"
	"\n"
	"QEMU: -netdev bridge,id=n0,br=br0,helper=/usr/libexec/tapbroker-helper\n"
	"      tapbroker-helper run --br=br0 --queues=4 --vhost -- qemu-system-x86_64\n"
	"        -netdev tap,id=n0,fds=@FDS@,vhostfds=@VHOSTFDS@\n"
	"        -device virtio-net-pci,netdev=n0,mq=on,vectors=10 ...\n";

/*
 * When stderr is a pipe, waits (1 s at most) until the reader has taken
 * what was written.  libvirt reads the helper's stderr from its event loop
 * but reports a failure as soon as the fd socket closes, which our exit
 * does: without the wait its error often lacks our one line of reason.
 */
static void tbh_drain_stderr(void)
{
	struct timespec pause = {.tv_nsec = 5 * 1000 * 1000};
	struct stat st;
	int left = 0;

	fflush(stderr);
	if (fstat(STDERR_FILENO, &st) || !S_ISFIFO(st.st_mode))
		return;
	for (int i = 0; i < 200; i++) {
		if (ioctl(STDERR_FILENO, FIONREAD, &left) < 0 || left == 0)
			return;
		nanosleep(&pause, NULL);
	}
}

static void __attribute__((noreturn, format(printf, 1, 2)))
tbh_die(const char *fmt, ...)
{
	va_list ap;

	fputs("tapbroker-helper: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	tbh_drain_stderr();
	exit(EXIT_FAILURE);
}

static int tbh_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = TBH_TIMEOUT_S};
	int s, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		tbh_die("socket path %s is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		tbh_die("socket: %s", strerror(errno));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		return s;
	err = errno;
	if (err == ENOENT || err == ECONNREFUSED)
		tbh_die("tapbroker is not running: %s at %s (start the broker, or point --socket= or $" TB_SOCKET_ENV
			" at its socket)",
			err == ENOENT ? "no socket" : "nobody listens", path);
	if (err == EACCES)
		tbh_die("no permission to connect to %s (the broker's socket must be writable by you)",
			path);
	tbh_die("cannot connect to tapbroker at %s: %s", path, strerror(err));
}

/* The request QEMU's (or run's) options make, as the broker reads it. */
static void tbh_request(const struct tbh_opts *o, struct tb_request *req)
{
	req->flags = o->use_vnet ? TB_F_VNET_HDR : 0;
	if (o->run)
		req->flags |= TB_F_LAUNCHER | (o->vhost ? TB_F_VHOST : 0);
	req->queues = o->queues;
	if (o->lower)
		snprintf(req->lower, sizeof(req->lower), "%s", o->lower);
	else
		snprintf(req->bridge, sizeof(req->bridge), "%s", o->bridge);
	if (o->mode)
		snprintf(req->mode, sizeof(req->mode), "%s", o->mode);
	req->mtu = o->mtu;
	req->vlan = o->vlan;
	if (o->adopt)
		snprintf(req->adopt, sizeof(req->adopt), "%s", o->adopt);
	if (o->label)
		snprintf(req->label, sizeof(req->label), "%s", o->label);
	if (o->routed) {
		req->flags |= TB_F_ROUTED;
		req->bridge[0] = '\0';
	}
	snprintf(req->addrs, sizeof(req->addrs), "%s", o->addrs);
	if (o->mac)
		snprintf(req->mac, sizeof(req->mac), "%s", o->mac);
	if (o->tables)
		snprintf(req->tables, sizeof(req->tables), "%s", o->tables);
	if (o->gateway)
		snprintf(req->gateway, sizeof(req->gateway), "%s", o->gateway);
	if (o->has_metric) {
		req->flags |= TB_F_METRIC;
		req->metric = o->metric;
	}
	if (o->trunk)
		snprintf(req->trunk, sizeof(req->trunk), "%s", o->trunk);
	if (o->proxy)
		snprintf(req->proxy, sizeof(req->proxy), "%s", o->proxy);
}

/* Sends the request, waits for the reply; @fds gets the fds, @rep says
 * what they are.  Dies with the broker's reason on a refusal. */
static size_t tbh_ask(int s, const struct tbh_opts *o, int fds[TB_FDS_MAX],
		      struct tb_reply *rep)
{
	struct tb_request req = {0};
	char buf[TB_MSG_MAX], err[TB_ERR_MAX];
	size_t nfds, want;
	ssize_t n;

	tbh_request(o, &req);
	n = tb_request_encode(&req, buf, sizeof(buf));
	if (n < 0 || (n = tb_send_fd(s, buf, (size_t)n, -1)) < 0)
		tbh_die("cannot send the request to tapbroker: %s",
			strerror((int)-n));
	n = tb_recv_fds(s, buf, sizeof(buf), fds, TB_FDS_MAX, &nfds);
	if (n == -EAGAIN)
		tbh_die("tapbroker did not answer within %d s", TBH_TIMEOUT_S);
	if (n <= 0)
		tbh_die("tapbroker closed the connection without an answer%s%s",
			n ? ": " : "", n ? strerror((int)-n) : "");
	if (tb_reply_decode(buf, (size_t)n, rep, err, sizeof(err)))
		tbh_die("unreadable reply from tapbroker: %s", err);
	if (rep->status)
		tbh_die("%s", rep->message[0] ? rep->message
					      : strerror(-rep->status));
	want = (o->queues ? o->queues : 1) * (o->vhost ? 2 : 1);
	if (nfds != want || rep->queues != o->queues ||
	    !(rep->flags & TB_R_VHOST) != !o->vhost)
		tbh_die("tapbroker granted %s with %zu file descriptors, not %zu (helper and broker versions differ?)",
			rep->ifname, nfds, want);
	return nfds;
}

/* Makes sure fds 0-2 are open, so that no received fd lands there. */
static void tbh_std_fds(void)
{
	int fd;

	for (;;) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			tbh_die("cannot open /dev/null: %s", strerror(errno));
		if (fd > 2) {
			close(fd);
			return;
		}
		if (fcntl(fd, F_SETFD, 0) < 0)
			tbh_die("fcntl: %s", strerror(errno));
	}
}

/* Launcher mode: the fds stay open across exec, their numbers in argv. */
static void __attribute__((noreturn))
tbh_launch(const struct tbh_opts *o, const int *fds, size_t nfds,
	   const struct tb_reply *rep)
{
	struct tbh_fdset fs = {
		.ifname = rep->ifname,
		.queues = fds,
		.vhosts = o->vhost ? fds + nfds / 2 : NULL,
		.n = (unsigned int)(o->vhost ? nfds / 2 : nfds),
		.separator = o->separator,
	};
	char err[256], **args;
	size_t argc = 0, i;

	while (o->command[argc])
		argc++;
	args = calloc(argc + 1, sizeof(*args));
	if (!args)
		tbh_die("out of memory");
	for (i = 0; i < argc; i++) {
		args[i] = malloc(TBH_ARG_MAX);
		if (!args[i])
			tbh_die("out of memory");
		if (tbh_substitute(o->command[i], &fs, args[i], TBH_ARG_MAX,
				   err, sizeof(err)))
			tbh_die("%s", err);
	}
	for (i = 0; i < nfds; i++)
		if (fcntl(fds[i], F_SETFD, 0) < 0)
			tbh_die("fcntl: %s", strerror(errno));
	execvp(args[0], args);
	tbh_die("cannot run %s: %s", args[0], strerror(errno));
}

int main(int argc, char **argv)
{
	struct tbh_opts o;
	struct tb_reply rep;
	int fds[TB_FDS_MAX];
	char err[256];
	struct stat st;
	size_t nfds;
	int s, ret;

	if (tbh_parse_args(argc, argv, getenv(TB_SOCKET_ENV), &o, err,
			   sizeof(err))) {
		fprintf(stderr, "tapbroker-helper: %s\n", err);
		return 2;
	}
	if (o.help) {
		fputs(tbh_usage, stdout);
		return 0;
	}
	if (o.run) {
		tbh_std_fds();
		s = tbh_connect(o.socket);
		nfds = tbh_ask(s, &o, fds, &rep);
		close(s);
		tbh_launch(&o, fds, nfds, &rep);
	}
	if (fstat(o.fd, &st) || !S_ISSOCK(st.st_mode))
		tbh_die("--fd=%d is not an open socket (tapbroker-helper is run by QEMU, or by a program that passes it a socketpair)",
			o.fd);
	s = tbh_connect(o.socket);
	tbh_ask(s, &o, fds, &rep);
	close(s);
	/* QEMU's recv_fd() expects one byte carrying the fd, as from
	 * qemu-bridge-helper. */
	ret = tb_send_fd(o.fd, "", 1, fds[0]);
	if (ret)
		tbh_die("cannot pass the tap to QEMU over fd %d: %s", o.fd,
			strerror(-ret));
	return 0;
}
