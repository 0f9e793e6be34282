// SPDX-License-Identifier: GPL-2.0-or-later
/* The bench's floor for an exec'd helper: sends an fd of /dev/net/tun on --fd. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Run as QEMU runs a bridge helper ("--use-vnet --fd=N --br=BR"), it only
 * opens /dev/net/tun and sends that fd with one byte over socket N, then
 * exits: no tap is made.  Linked like tapbroker-helper (static-pie where
 * the toolchain allows), so the bench can tell what a helper costs beyond
 * fork + exec + one fd passed: the process-creation floor.
 */
int main(int argc, char **argv)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = "", .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int i, sock = -1, fd;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--fd=", 5))
			sock = atoi(argv[i] + 5);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (sock < 0 || fd < 0)
		return 1;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : 1;
}
