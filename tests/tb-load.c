// SPDX-License-Identifier: GPL-2.0-or-later
/* Load client: many concurrent clients asking the broker for taps, raw. */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * tb-load SOCKET BRIDGE CLIENTS REQUESTS
 *	CLIENTS processes each send REQUESTS tap requests straight to the
 *	broker, one connection each, and close the fd they get (which
 *	deletes the tap).  Prints one line of totals: granted, refused
 *	(with the first refusal's text), errors (with the first one's
 *	stage and errno), seconds and rate.
 *	Exit 0 if every request got an answer.
 */

struct totals {
	long granted, refused, errors;
	char first_refusal[TB_MESSAGE_MAX];
	char first_error[64];
};

static int one(const char *path, const char *bridge, struct totals *t)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct tb_request req = {.op = TB_OP_TAP};
	struct tb_reply rep;
	char buf[TB_MSG_MAX], err[TB_ERR_MAX];
	const char *stage = "socket";
	int s, fd = -1;
	ssize_t n = -1;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(req.bridge, sizeof(req.bridge), "%s", bridge);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || (stage = "connect",
		      connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0))
		goto fail;
	stage = "send";
	n = tb_request_encode(&req, buf, sizeof(buf));
	if (n < 0 || tb_send_fd(s, buf, (size_t)n, -1) < 0)
		goto fail;
	stage = "reply";
	errno = 0;
	n = tb_recv_fd(s, buf, sizeof(buf), &fd);
	if (n <= 0 || tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err)))
		goto fail;
	close(s);
	if (fd >= 0) {
		close(fd);
		t->granted++;
	} else {
		if (!t->refused++)
			snprintf(t->first_refusal, sizeof(t->first_refusal),
				 "%s", rep.message);
	}
	return 0;
fail:
	if (!t->errors)
		snprintf(t->first_error, sizeof(t->first_error), "%s:%s", stage,
			 n == 0 ? "closed" : strerror(errno));
	if (s >= 0)
		close(s);
	t->errors++;
	return -1;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct totals *all, sum = {0};
	long clients, requests;
	double secs;

	if (argc != 5 || (clients = atol(argv[3])) < 1 || clients > 1024 ||
	    (requests = atol(argv[4])) < 1) {
		fprintf(stderr,
			"usage: tb-load SOCKET BRIDGE CLIENTS REQUESTS\n");
		return 2;
	}
	all = mmap(NULL, sizeof(*all) * (size_t)clients, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (all == MAP_FAILED)
		return perror("mmap"), 2;
	memset(all, 0, sizeof(*all) * (size_t)clients);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long c = 0; c < clients; c++)
		if (fork() == 0) {
			for (long i = 0; i < requests; i++)
				one(argv[1], argv[2], &all[c]);
			_exit(0);
		}
	while (wait(NULL) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (long c = 0; c < clients; c++) {
		sum.granted += all[c].granted;
		sum.refused += all[c].refused;
		sum.errors += all[c].errors;
		if (!sum.first_refusal[0] && all[c].first_refusal[0])
			memcpy(sum.first_refusal, all[c].first_refusal,
			       sizeof(sum.first_refusal));
		if (!sum.first_error[0] && all[c].first_error[0])
			memcpy(sum.first_error, all[c].first_error,
			       sizeof(sum.first_error));
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("requests=%ld granted=%ld refused=%ld errors=%ld first-error=%s seconds=%.1f rate=%.0f/s first-refusal=%s\n",
	       clients * requests, sum.granted, sum.refused, sum.errors,
	       sum.first_error[0] ? sum.first_error : "-", secs,
	       (double)(clients * requests) / secs,
	       sum.first_refusal[0] ? sum.first_refusal : "-");
	return sum.errors ? 1 : 0;
}
