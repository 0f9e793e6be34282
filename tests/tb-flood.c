// SPDX-License-Identifier: GPL-2.0-or-later
/* Test attacker: one uid holding as many silent connections as it can. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/*
 * tb-flood SOCKET SECONDS HOLD
 *	For SECONDS, holds up to HOLD silent connections to SOCKET: each one
 *	the broker drops (or refuses) is made again at once, so the broker
 *	always has a backlog of them, as an attacker would.  Prints
 *	"flood N connects" at the end.  Exit 0.
 */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_nb(const struct sockaddr_un *sa)
{
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);

	if (s >= 0 && connect(s, (const struct sockaddr *)sa, sizeof(*sa))) {
		close(s); /* EAGAIN: the backlog is full, try again */
		return -1;
	}
	return s;
}

/* Fills the empty slots of @p; returns how many connections were made. */
static long fill(struct pollfd *p, long hold, const struct sockaddr_un *sa)
{
	long made = 0;

	for (long i = 0; i < hold; i++) {
		if (p[i].fd >= 0)
			continue;
		p[i].fd = connect_nb(sa);
		if (p[i].fd < 0)
			break; /* the backlog is full: poll first */
		made++;
	}
	return made;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct rlimit r = {8192, 8192};
	struct pollfd *p;
	long hold, connects = 0;
	double end;

	if (argc != 4)
		return fprintf(stderr, "usage: tb-flood SOCKET SECONDS HOLD\n"),
		       2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	end = now() + atof(argv[2]);
	hold = atol(argv[3]);
	setrlimit(RLIMIT_NOFILE, &r); /* as far as the hard limit allows */
	p = calloc((size_t)(hold > 0 ? hold : 1), sizeof(*p));
	if (!p || hold <= 0)
		return 2;
	for (long i = 0; i < hold; i++)
		p[i] = (struct pollfd){.fd = -1, .events = POLLIN};
	while (now() < end) {
		connects += fill(p, hold, &sa);
		if (poll(p, (nfds_t)hold, 10) <= 0)
			continue;
		for (long i = 0; i < hold; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			close(p[i].fd); /* dropped or refused: make another */
			p[i].fd = -1;
		}
	}
	printf("flood %ld connects\n", connects);
	for (long i = 0; i < hold; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	free(p);
	return 0;
}
