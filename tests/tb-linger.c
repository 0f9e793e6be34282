// SPDX-License-Identifier: GPL-2.0-or-later
/* Test attacker: a TCP socket whose last close lingers, sent to the broker. */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * tb-linger SOCKET BRIDGE
 *	Run in a network namespace of its own with lo up (unshare -Urn):
 *	makes a TCP connection over lo whose peer never reads, fills it until
 *	nothing more can be sent, sets SO_LINGER to an hour, and sends that
 *	socket to SOCKET with a tap request for BRIDGE, then closes its own
 *	copy.  Whoever drops the last reference to it then waits in
 *	tcp_close() for the hour (sk_stream_wait_close).  Prints
 *	"sendmsg refused: ..." or "status=N message=...", then "sent"; keeps
 *	the peer until stdin ends.
 */

/* A connected pair over lo: *@peer never reads.  Returns the client end. */
static int tcp_pair(int *peer)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0), c, small = 4096;

	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&sa, &len))
		return -1;
	setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	*peer = accept(l, NULL, NULL);
	close(l);
	return *peer < 0 ? -1 : c;
}

/* Fills @c until the peer's window and our buffer are full. */
static void fill(int c)
{
	static char junk[65536];

	fcntl(c, F_SETFL, O_NONBLOCK);
	while (send(c, junk, sizeof(junk), MSG_NOSIGNAL) > 0 || errno == EINTR)
		;
	usleep(200000); /* the window closes: probes only from now on */
	while (send(c, junk, sizeof(junk), MSG_NOSIGNAL) > 0)
		;
}

static int send_fd(const char *path, const char *bridge, int fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct tb_request req = {.flags = TB_F_VNET_HDR};
	char buf[TB_MSG_MAX];
	ssize_t n;
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		return perror("connect"), -1;
	snprintf(req.bridge, sizeof(req.bridge), "%s", bridge);
	n = tb_request_encode(&req, buf, sizeof(buf));
	if (n < 0 || tb_send_fd(s, buf, (size_t)n, fd) < 0) {
		printf("sendmsg refused: %s\n", strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

int main(int argc, char **argv)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 3600};
	struct timeval tv = {.tv_sec = 3};
	struct tb_reply rep;
	char buf[TB_MSG_MAX], err[TB_ERR_MAX], c;
	int peer, tcp, s;
	ssize_t n;

	if (argc != 3)
		return fprintf(stderr, "usage: tb-linger SOCKET BRIDGE\n"), 2;
	tcp = tcp_pair(&peer);
	if (tcp < 0)
		return perror("tcp over lo"), 3;
	fill(tcp);
	setsockopt(tcp, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	s = send_fd(argv[1], argv[2], tcp);
	if (s < 0) { /* not sent: this close would be the one to wait */
		lg.l_onoff = 0;
		setsockopt(tcp, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(tcp); /* the copy in flight is the last one */
	if (s >= 0) /* a stuck broker answers never */
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = s < 0 ? -1 : tb_recv_fd(s, buf, sizeof(buf), NULL);
	if (n > 0 && !tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err)))
		printf("status=%d message=%s\n", rep.status, rep.message);
	printf("sent\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	close(peer);
	return 0;
}
