// SPDX-License-Identifier: GPL-2.0-or-later
/* Sending and receiving one frame with its fds over a unix socket. */
#include "proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TB_MAX_CMSG_FDS 64 /* room to see (and close) fds sent in excess */

/**
 * tb_send_fds() - send one frame, passing the @nfds fds of @fds along
 * Return: 0, or -errno (-EINVAL for more than TB_FDS_MAX fds).
 */
int tb_send_fds(int sock, const void *buf, size_t len, const int *fds,
		size_t nfds)
{
	union {
		char buf[CMSG_SPACE(TB_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cmsg;
	ssize_t n;

	if (nfds > TB_FDS_MAX)
		return -EINVAL;
	if (nfds) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/**
 * tb_send_fd() - send one frame, passing @fd along with it when @fd >= 0
 * Return: 0, or -errno.
 */
int tb_send_fd(int sock, const void *buf, size_t len, int fd)
{
	return tb_send_fds(sock, buf, len, &fd, fd >= 0);
}

static void tb_close_cmsg_fds(struct msghdr *msg)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
			       sizeof(int));
			close(fd);
		}
	}
}

/* Takes the at most @max fds a message may carry; refuses anything else. */
static int tb_take_fds(struct msghdr *msg, int *fds, size_t max, size_t *nfds)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(msg);
	size_t n;

	*nfds = 0;
	if (!c)
		return 0;
	if (CMSG_NXTHDR(msg, c) || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (c->cmsg_len != CMSG_LEN(n * sizeof(int)) || n > max)
		return -EBADMSG;
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	*nfds = n;
	return 0;
}

/**
 * tb_recv_fds() - receive one frame and at most @max fds into @fds
 *
 * The fds arrive close-on-exec; *@nfds says how many came.  A frame cut
 * short (MSG_TRUNC), cut control data (MSG_CTRUNC), more than @max fds
 * (so any fd when @max is 0) or any other control message is refused,
 * and every fd that came with it is closed.
 *
 * Return: bytes received (0 at end of stream), or -errno.
 */
ssize_t tb_recv_fds(int sock, void *buf, size_t size, int *fds, size_t max,
		    size_t *nfds)
{
	union {
		char buf[CMSG_SPACE(TB_MAX_CMSG_FDS * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    tb_take_fds(&msg, fds, max, nfds)) {
		tb_close_cmsg_fds(&msg);
		*nfds = 0;
		return msg.msg_flags & MSG_TRUNC ? -EMSGSIZE : -EBADMSG;
	}
	return n;
}

/**
 * tb_recv_nofds() - receive one frame and never an fd
 * @flags:	0, or MSG_PEEK to look without taking the frame
 *
 * For a peer that is not trusted: there is no room for control data, so
 * fds the peer attached are never installed here (see server.c for why
 * that matters: the kernel drops them with fput(), and a close() of ours
 * would call the file's ->flush).  The peer learns nothing of this.
 *
 * Return: bytes received (0 at end of stream), -EMSGSIZE for a frame cut
 * short, -ENOTUNIQ if control data (fds) came with it, or -errno.
 */
ssize_t tb_recv_nofds(int sock, void *buf, size_t size, int flags)
{
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	do
		n = recvmsg(sock, &msg, flags | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_CTRUNC)
		return -ENOTUNIQ;
	return msg.msg_flags & MSG_TRUNC ? -EMSGSIZE : n;
}

/**
 * tb_recv_fd() - receive one frame and, if @fd is not NULL, at most one fd
 *
 * As tb_recv_fds(); *@fd is -1 when no fd came.
 * Return: bytes received (0 at end of stream), or -errno.
 */
ssize_t tb_recv_fd(int sock, void *buf, size_t size, int *fd)
{
	int dummy;
	size_t n;
	ssize_t ret = tb_recv_fds(sock, buf, size, fd ? fd : &dummy, !!fd, &n);

	if (fd && !n)
		*fd = -1;
	return ret;
}
