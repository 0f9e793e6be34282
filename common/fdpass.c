// SPDX-License-Identifier: GPL-2.0-or-later
/* Sending and receiving one frame with at most one fd over a unix socket. */
#include "proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TB_MAX_CMSG_FDS 16 /* room to see (and close) fds sent in excess */

/**
 * tb_send_fd() - send one frame, passing @fd along with it when @fd >= 0
 * Return: 0, or -errno.
 */
int tb_send_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cmsg;
	ssize_t n;

	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
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

/* Takes the single fd a message may carry; refuses anything else. */
static int tb_take_fd(struct msghdr *msg, int *fd)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(msg);

	if (!c)
		return 0;
	if (!fd || CMSG_NXTHDR(msg, c) || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/**
 * tb_recv_fd() - receive one frame and, if @fd is not NULL, at most one fd
 *
 * The fd arrives close-on-exec.  A frame cut short (MSG_TRUNC), cut control
 * data (MSG_CTRUNC), an fd where none is expected, more than one fd or any
 * other control message is refused, and every fd that came with it is closed.
 *
 * Return: bytes received (0 at end of stream), or -errno.
 */
ssize_t tb_recv_fd(int sock, void *buf, size_t size, int *fd)
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

	if (fd)
		*fd = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    tb_take_fd(&msg, fd)) {
		tb_close_cmsg_fds(&msg);
		if (fd)
			*fd = -1;
		return msg.msg_flags & MSG_TRUNC ? -EMSGSIZE : -EBADMSG;
	}
	return n;
}
