// SPDX-License-Identifier: GPL-2.0-or-later
/* Test attacker: a file on its own FUSE mount whose close() never returns. */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * tb-fuse MOUNTPOINT SOCKET BRIDGE NPIPES
 *	Run as root of its own user and mount namespace (unshare -Urm):
 *	mounts a one-file FUSE file system on MOUNTPOINT, served by a child
 *	that talks to /dev/fuse directly and never answers FLUSH from any
 *	process but this one.  Then:
 *	1. a forked process close()s a copy of the file's fd: prints
 *	   "flush-stalls" if it is still stuck 0.5 s later (what a broker
 *	   that close()s client fds would suffer);
 *	2. sends SOCKET a tap request for BRIDGE with the file's fd and
 *	   NPIPES pipe fds attached, and closes its own copy (so a copy the
 *	   broker holds would be the last); prints "sendmsg refused: ..." or
 *	   "status=N message=..." (or "bad-reply" after 3 s);
 *	3. keeps the file system up until stdin ends, then prints each FLUSH
 *	   it left unanswered ("unanswered-flush pid=N") and exits.
 *	Prints "no-fuse" and exits 3 if it cannot mount.
 */

static int fuse_reply(int dev, uint64_t unique, int error, const void *arg,
		      size_t len)
{
	char buf[sizeof(struct fuse_out_header) + 256];
	struct fuse_out_header *h = (struct fuse_out_header *)buf;

	h->len = (uint32_t)(sizeof(*h) + len);
	h->error = error;
	h->unique = unique;
	memcpy(buf + sizeof(*h), arg, len);
	return write(dev, buf, h->len) == (ssize_t)h->len ? 0 : -1;
}

static void fuse_fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	a->nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	a->blksize = 4096;
}

static void fuse_init(int dev, const struct fuse_in_header *in,
		      const struct fuse_init_in *arg)
{
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = arg->minor < FUSE_KERNEL_MINOR_VERSION
				 ? arg->minor
				 : FUSE_KERNEL_MINOR_VERSION,
		.max_write = 4096,
		.time_gran = 1,
	};

	fuse_reply(dev, in->unique, 0, &out, sizeof(out));
}

/* One request; the FLUSHes left unanswered are reported on stdout. */
static void fuse_one(int dev, const struct fuse_in_header *in, const void *arg,
		     pid_t owner)
{
	struct fuse_entry_out e = {.nodeid = 2, .generation = 1};
	struct fuse_attr_out a = {0};
	struct fuse_open_out o = {.fh = 1};

	switch (in->opcode) {
	case FUSE_INIT:
		fuse_init(dev, in, arg);
		break;
	case FUSE_LOOKUP:
		if (strcmp(arg, "f")) {
			fuse_reply(dev, in->unique, -ENOENT, NULL, 0);
			break;
		}
		fuse_fill_attr(&e.attr, 2);
		fuse_reply(dev, in->unique, 0, &e, sizeof(e));
		break;
	case FUSE_GETATTR:
		fuse_fill_attr(&a.attr, in->nodeid);
		fuse_reply(dev, in->unique, 0, &a, sizeof(a));
		break;
	case FUSE_OPEN:
		fuse_reply(dev, in->unique, 0, &o, sizeof(o));
		break;
	case FUSE_FLUSH:
		if ((pid_t)in->pid == owner)
			fuse_reply(dev, in->unique, 0, NULL, 0);
		else
			printf("unanswered-flush pid=%u\n", in->pid);
		fflush(stdout);
		break;
	case FUSE_RELEASE:
		fuse_reply(dev, in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break; /* no reply */
	default:
		fuse_reply(dev, in->unique, -ENOSYS, NULL, 0);
	}
}

static void fuse_serve(int dev, pid_t owner)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];
	const struct fuse_in_header *in = (const void *)buf;
	ssize_t n;

	for (;;) {
		n = read(dev, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue; /* ENOENT: a request was interrupted */
		if (n < (ssize_t)sizeof(*in))
			_exit(0);
		fuse_one(dev, in, buf + sizeof(*in), owner);
	}
}

/* Mounts on @mnt; returns the server's pid, or -1. */
static pid_t fuse_mount(const char *mnt)
{
	char opts[128];
	pid_t owner = getpid(), pid;
	int dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (dev < 0)
		return perror("/dev/fuse"), -1;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=%u,group_id=%u", dev, getuid(),
		 getgid());
	if (mount("tb-fuse", mnt, "fuse", MS_NOSUID | MS_NODEV, opts) < 0)
		return perror("mount fuse"), -1;
	pid = fork();
	if (pid == 0)
		fuse_serve(dev, owner);
	close(dev);
	return pid;
}

/* Step 1: does a close() by another process stall? */
static pid_t probe_flush(int fd)
{
	struct timespec half = {0, 500000000};
	pid_t pid = fork();

	if (pid == 0) {
		close(fd);
		_exit(0);
	}
	nanosleep(&half, NULL);
	if (waitpid(pid, NULL, WNOHANG) == 0)
		printf("flush-stalls\n");
	fflush(stdout);
	return pid;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* Step 2: the request, with @fd and @npipes pipe ends attached. */
static int send_with_fds(const char *path, const char *bridge, int fd,
			 int npipes)
{
	struct tb_request req = {.flags = TB_F_VNET_HDR};
	union {
		char b[CMSG_SPACE(64 * sizeof(int))];
		struct cmsghdr a;
	} cb = {0};
	char buf[TB_MSG_MAX];
	struct iovec iov = {.iov_base = buf};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm = (struct cmsghdr *)cb.b;
	int fds[64] = {fd}, n = 1, p[2], s = connect_to(path);
	ssize_t len;

	if (s < 0)
		return perror("connect"), -1;
	for (; n < 64 && n <= npipes; n += 2)
		if (!pipe(p))
			memcpy(&fds[n], p, sizeof(p));
	snprintf(req.bridge, sizeof(req.bridge), "%s", bridge);
	len = tb_request_encode(&req, buf, sizeof(buf));
	iov.iov_len = len > 0 ? (size_t)len : 0;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)n * sizeof(int));
	msg.msg_control = cb.b;
	msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	if (sendmsg(s, &msg, 0) < 0) {
		printf("sendmsg refused: %s\n", strerror(errno));
		close(s);
		s = -2;
	}
	for (int i = 0; i < n; i++) /* the broker's copies are the last */
		close(fds[i]);
	return s;
}

static void print_reply(int s)
{
	struct timeval tv = {.tv_sec = 3}; /* a stuck broker answers never */
	struct tb_reply rep;
	char buf[TB_MSG_MAX], err[TB_ERR_MAX];
	ssize_t n;

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = tb_recv_fd(s, buf, sizeof(buf), NULL);
	if (n <= 0 || tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err)))
		printf("bad-reply\n");
	else
		printf("status=%d message=%s\n", rep.status, rep.message);
}

int main(int argc, char **argv)
{
	pid_t server, prober;
	char path[4096], c;
	int fd, s;

	if (argc != 5)
		return fprintf(stderr,
			       "usage: tb-fuse MNT SOCKET BRIDGE NPIPES\n"),
		       2;
	server = fuse_mount(argv[1]);
	if (server < 0)
		return printf("no-fuse\n"), 3;
	snprintf(path, sizeof(path), "%s/f", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return perror(path), kill(server, SIGKILL), 3;
	prober = probe_flush(fd);
	s = send_with_fds(argv[2], argv[3], fd, atoi(argv[4]));
	if (s >= 0)
		print_reply(s);
	printf("sent\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0) /* the file system stays up meanwhile */
		;
	if (s >= 0)
		close(s);
	kill(server, SIGKILL); /* aborts the connection: the prober returns */
	waitpid(server, NULL, 0);
	waitpid(prober, NULL, 0);
	return 0;
}
