// SPDX-License-Identifier: GPL-2.0-or-later
/* Test attacker: one uid holding as many silent connections as it can. */
#include <errno.h>
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
 *	For SECONDS, keeps HOLD connections to SOCKET open and silent,
 *	replacing each as soon as possible with a new one (the oldest goes
 *	first), so the broker always has a backlog of them.  Prints
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

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct rlimit r = {8192, 8192};
	double end;
	long hold, i = 0, connects = 0;
	int *fds, s;

	if (argc != 4)
		return fprintf(stderr, "usage: tb-flood SOCKET SECONDS HOLD\n"),
		       2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	end = now() + atof(argv[2]);
	hold = atol(argv[3]);
	setrlimit(RLIMIT_NOFILE, &r); /* as far as the hard limit allows */
	fds = calloc((size_t)hold, sizeof(int));
	if (!fds || hold <= 0)
		return 2;
	memset(fds, -1, (size_t)hold * sizeof(int));
	while (now() < end) {
		s = connect_nb(&sa);
		if (s < 0) {
			struct timespec pause = {0, 50000};

			nanosleep(&pause, NULL);
			if (errno == EMFILE && fds[i] >= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
			continue;
		}
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = s;
		i = (i + 1) % hold;
		connects++;
	}
	printf("flood %ld connects\n", connects);
	return 0;
}
