// SPDX-License-Identifier: GPL-2.0-or-later
/* Test client: gets a tap the way QEMU does, or speaks to the broker raw. */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * tb-client [--hold] [--no-vnet] HELPER BRIDGE [HELPER-ARGS...]
 *	socketpair + fork + exec HELPER --use-vnet --fd=N --br=BRIDGE, as
 *	QEMU's net_bridge_run_helper() does; prints "ifname=X vnet_hdr=0|1"
 *	for the fd received; with --hold, keeps it until SIGTERM.
 *	Exit: 0 got a tap, 3 helper failed, 4 bad fd, 2 usage.
 *	HELPER-ARGS may hold "--and": the helper runs again, from the same
 *	process (one VM, several NICs), with the arguments after it; with
 *	--hold, each SIGUSR1 closes the next of the taps, first one first.
 * tb-client --wire NETNS IFNAME [--no-vnet] HELPER BRIDGE [HELPER-ARGS...]
 *	as above, then plays a VM's NIC: enters network namespace NETNS
 *	(/run/netns/NETNS; needs root), makes tap IFNAME there and relays
 *	frames between it and the tap it got, until killed.  The "guest" is
 *	then whatever NETNS does with IFNAME: an end-to-end path through the
 *	broker's tap without booting a kernel (nested TCG is too slow).
 * tb-client --no-read SOCKET BRIDGE: asks, then leaves without reading.
 * tb-client --idle N SOCKET: holds N silent connections until killed.
 * tb-client --attach IFNAME: opens tap IFNAME by name (TUNSETIFF).
 * With TB_CLIENT_QUEUED set, a tap received also prints "queued=N": the
 *	frames already waiting on it.
 * tb-client --direct SOCKET BRIDGE
 *	sends a request straight to the broker (no helper-side checks) and
 *	prints "status=N message=..."; exit 0 if granted.
 * tb-client --extra-fds N SOCKET BRIDGE: the same, with N fds of /dev/null
 *	attached to the request.
 * tb-client --lie UID SOCKET BRIDGE: the same, with SCM_CREDENTIALS
 *	claiming to be UID (gid UID); prints "sendmsg refused: ..." and exits 5
 *	when the kernel will not send the lie (no CAP_SETUID).
 */

/* Runs the helper as QEMU does; returns its exit status, *sock our end. */
static int run_helper(char **argv, int argc, int vnet, int *sock)
{
	char fdarg[32], brarg[64];
	char *args[32];
	int sv[2], n = 0, i, status;
	pid_t pid;

	if (argc > 24 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", sv[1]);
	snprintf(brarg, sizeof(brarg), "--br=%s", argv[1]);
	args[n++] = argv[0];
	if (vnet)
		args[n++] = "--use-vnet";
	args[n++] = fdarg;
	args[n++] = brarg;
	for (i = 2; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		execv(args[0], args);
		_exit(127);
	}
	close(sv[1]);
	*sock = sv[0];
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Frames waiting on tap @fd when it was handed over (read, not waited). */
static int queued(int fd)
{
	int fl = fcntl(fd, F_GETFL), n = 0;
	char buf[65536];

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (n < 1000 && read(fd, buf, sizeof(buf)) > 0)
		n++;
	fcntl(fd, F_SETFL, fl);
	return n;
}

static int report_tap(int fd)
{
	struct ifreq ifr = {0};

	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		fprintf(stderr, "tb-client: TUNGETIFF: %s\n", strerror(errno));
		return 4;
	}
	printf("ifname=%s vnet_hdr=%d tap=%d\n", ifr.ifr_name,
	       !!(ifr.ifr_flags & IFF_VNET_HDR), !!(ifr.ifr_flags & IFF_TAP));
	if (getenv("TB_CLIENT_QUEUED"))
		printf("queued=%d\n", queued(fd));
	fflush(stdout);
	return 0;
}

/* --attach IFNAME: TUNSETIFF by name, as any tenant may try; exit 0 if
 * attached, 1 with the kernel's reason if not. */
static int attach(const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	int fd = open("/dev/net/tun", O_RDWR);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		printf("TUNSETIFF %s: %s\n", name, strerror(errno));
		return 1;
	}
	printf("attached %s\n", name);
	return 0;
}

/* --wire: relays frames between @tap and a new tap @ifname in @netns. */
static int wire(int tap, const char *netns, const char *ifname)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	char path[256], frame[65536];
	struct pollfd p[2];
	int ns, g;
	ssize_t n;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		return perror(path), 5;
	g = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (g < 0 || ioctl(g, TUNSETIFF, &ifr) < 0)
		return perror("tb-client: the guest's tap"), 5;
	printf("wire %s\n", ifname);
	fflush(stdout);
	p[0] = (struct pollfd){.fd = tap, .events = POLLIN};
	p[1] = (struct pollfd){.fd = g, .events = POLLIN};
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return perror("poll"), 5;
		for (int i = 0; i < 2; i++) {
			if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL))
				return 0; /* the broker's tap is gone */
			if (!(p[i].revents & POLLIN))
				continue;
			n = read(p[i].fd, frame, sizeof(frame));
			if (n > 0) /* a down peer says EIO: the frame is lost */
				(void)!write(p[1 - i].fd, frame, (size_t)n);
		}
	}
}

/* Runs the helper once; returns its tap (>= 0) or an exit status (< 0). */
static int one_tap(int argc, char **argv, int vnet)
{
	char byte;
	int sock, fd = -1, ret;
	ssize_t n;

	ret = run_helper(argv, argc, vnet, &sock);
	if (ret) {
		printf("helper-exit=%d\n", ret);
		return -3;
	}
	n = tb_recv_fd(sock, &byte, 1, &fd);
	if (n != 1 || fd < 0) {
		printf("no-fd\n");
		return -4;
	}
	ret = report_tap(fd);
	return ret ? -ret : fd;
}

static volatile sig_atomic_t usr1;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

static int via_helper(int argc, char **argv, int vnet, int hold,
		      const char *netns, const char *ifname)
{
	char *args[32];
	int fds[8], nfds = 0, n = 2, closed = 0, fd;

	signal(SIGUSR1, on_usr1);
	args[0] = argv[0];
	args[1] = argv[1];
	for (int i = 2; i <= argc && n < 32 && nfds < 8; i++) {
		if (i < argc && strcmp(argv[i], "--and")) {
			args[n++] = argv[i];
			continue;
		}
		args[n] = NULL;
		fd = one_tap(n, args, vnet);
		if (fd < 0)
			return -fd;
		fds[nfds++] = fd;
		n = 2;
	}
	if (netns)
		return wire(fds[0], netns, ifname);
	while (hold) {
		pause();
		for (; closed < usr1 && closed < nfds; closed++) {
			close(fds[closed]);
			printf("closed=%d\n", closed);
			fflush(stdout);
		}
	}
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* Sends a tap request for @bridge on a new connection; returns it. */
static int send_request(const char *path, const char *bridge)
{
	struct tb_request req = {.flags = TB_F_VNET_HDR};
	char buf[TB_MSG_MAX];
	int s = connect_to(path);
	ssize_t n;

	if (s < 0)
		return perror("connect"), -1;
	memcpy(req.bridge, bridge, strnlen(bridge, IFNAMSIZ - 1));
	n = tb_request_encode(&req, buf, sizeof(buf));
	if (n < 0 || tb_send_fd(s, buf, (size_t)n, -1) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* --idle N: N connections that never say anything, held until killed. */
static int idle(const char *path, int n)
{
	for (int i = 0; i < n; i++)
		if (connect_to(path) < 0)
			return perror("connect"), 2;
	printf("idle %d\n", n);
	fflush(stdout);
	pause();
	return 0;
}

/* --no-read: asks for a tap and leaves without reading the reply. */
static int no_read(const char *path, const char *bridge)
{
	int s = send_request(path, bridge);

	if (s < 0)
		return 2;
	sleep(1); /* the broker answers into a socket nobody reads */
	return 0;
}

/* Sends a tap request for @bridge with a hostile control message: @nfds
 * fds of /dev/null, or (@nfds 0) SCM_CREDENTIALS claiming uid @uid. */
static int send_hostile(const char *path, const char *bridge, int nfds,
			uid_t uid)
{
	struct tb_request req = {.flags = TB_F_VNET_HDR};
	struct ucred cred = {.pid = getpid(), .uid = uid, .gid = uid};
	union {
		char b[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr a;
	} cb = {0};
	char buf[TB_MSG_MAX];
	struct iovec iov = {.iov_base = buf};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b};
	struct cmsghdr *cm = (struct cmsghdr *)cb.b;
	int s = connect_to(path), fds[16];
	ssize_t n;

	if (s < 0 || nfds > 16)
		return -1;
	memcpy(req.bridge, bridge, strnlen(bridge, IFNAMSIZ - 1));
	n = tb_request_encode(&req, buf, sizeof(buf));
	iov.iov_len = n > 0 ? (size_t)n : 0;
	cm->cmsg_level = SOL_SOCKET;
	if (nfds) {
		for (int i = 0; i < nfds; i++)
			fds[i] = open("/dev/null", O_RDONLY);
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
	} else {
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(cred));
		memcpy(CMSG_DATA(cm), &cred, sizeof(cred));
		msg.msg_controllen = CMSG_SPACE(sizeof(cred));
	}
	if (sendmsg(s, &msg, 0) < 0) {
		printf("sendmsg refused: %s\n", strerror(errno));
		exit(5);
	}
	return s;
}

static int direct(const char *path, const char *bridge, int nfds, int lie,
		  uid_t uid)
{
	struct tb_reply rep;
	char buf[TB_MSG_MAX], err[TB_ERR_MAX];
	int s, fd;
	ssize_t n;

	s = nfds || lie ? send_hostile(path, bridge, nfds, uid)
			: send_request(path, bridge);
	if (s < 0)
		return 2;
	n = tb_recv_fd(s, buf, sizeof(buf), &fd);
	if (n <= 0 || tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err)))
		return printf("bad-reply %s\n", n <= 0 ? "" : err), 2;
	printf("status=%d message=%s\n", rep.status, rep.message);
	return rep.status ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *ifname = NULL;
	int vnet = 1, hold = 0;

	signal(SIGTERM, SIG_DFL);
	while (argc > 1 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--hold"))
			hold = 1;
		else if (!strcmp(argv[1], "--no-vnet"))
			vnet = 0;
		else if (!strcmp(argv[1], "--direct") && argc == 4)
			return direct(argv[2], argv[3], 0, 0, 0);
		else if (!strcmp(argv[1], "--extra-fds") && argc == 5)
			return direct(argv[3], argv[4], atoi(argv[2]), 0, 0);
		else if (!strcmp(argv[1], "--lie") && argc == 5)
			return direct(argv[3], argv[4], 0, 1,
				      (uid_t)atoi(argv[2]));
		else if (!strcmp(argv[1], "--wire") && argc > 5) {
			netns = argv[2];
			ifname = argv[3];
			argc -= 2, argv += 2;
		} else if (!strcmp(argv[1], "--no-read") && argc == 4)
			return no_read(argv[2], argv[3]);
		else if (!strcmp(argv[1], "--idle") && argc == 4)
			return idle(argv[3], atoi(argv[2]));
		else if (!strcmp(argv[1], "--attach") && argc == 3)
			return attach(argv[2]);
		else
			break;
		argc--, argv++;
	}
	if (argc < 3) {
		fprintf(stderr,
			"usage: tb-client [--hold] [--no-vnet] HELPER BRIDGE [ARGS...]\n"
			"       tb-client --direct SOCKET BRIDGE\n"
			"       tb-client --extra-fds N SOCKET BRIDGE\n"
			"       tb-client --lie UID SOCKET BRIDGE\n"
			"       tb-client --wire NETNS IFNAME HELPER BRIDGE [ARGS...]\n"
			"       tb-client --no-read SOCKET BRIDGE\n"
			"       tb-client --idle N SOCKET\n");
		return 2;
	}
	return via_helper(argc - 1, argv + 1, vnet, hold, netns, ifname);
}
