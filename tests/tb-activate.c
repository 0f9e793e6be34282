// SPDX-License-Identifier: GPL-2.0-or-later
/* Test stand-in for systemd: socket activation and Type=notify readiness. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * tb-activate [--type=dgram] SOCKET NOTIFY -- COMMAND...
 *	binds and listens on SOCKET (SOCK_SEQPACKET, or a wrong type to test
 *	the refusal), binds the datagram socket NOTIFY, then runs COMMAND
 *	with the listener as fd 3, LISTEN_PID/LISTEN_FDS/NOTIFY_SOCKET set,
 *	as systemd does.  Prints "notify: <state>" for each notification
 *	received and "exit: N" when COMMAND ends.
 */

static int bind_unix(const char *path, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, type, 0);

	if (s < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0666) < 0)
		return -1;
	if (type != SOCK_DGRAM && listen(s, 64) < 0)
		return -1;
	return s;
}

static void run(int lfd, const char *notify, char **cmd)
{
	char pid[32];

	if (dup2(lfd, 3) < 0)
		_exit(126);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("NOTIFY_SOCKET", notify, 1);
	execv(cmd[0], cmd);
	_exit(127);
}

int main(int argc, char **argv)
{
	int type = SOCK_SEQPACKET, lfd, nfd, status;
	char msg[256];
	ssize_t n;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--type=stream")) {
		type = SOCK_STREAM;
		argc--, argv++;
	}
	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr,
			"usage: tb-activate [--type=stream] SOCKET NOTIFY -- COMMAND...\n");
		return 2;
	}
	lfd = bind_unix(argv[1], type);
	nfd = bind_unix(argv[2], SOCK_DGRAM);
	if (lfd < 0 || nfd < 0)
		return perror("bind"), 1;
	pid = fork();
	if (pid == 0)
		run(lfd, argv[2], argv + 4);
	close(lfd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		struct timeval tv = {.tv_usec = 100000};

		setsockopt(nfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recv(nfd, msg, sizeof(msg) - 1, 0);
		if (n > 0) {
			msg[n] = '\0';
			printf("notify: %s broker-pid=%d\n", msg, (int)pid);
		}
	}
	printf("exit: %d\n", WIFEXITED(status) ? WEXITSTATUS(status)
					       : 128 + WTERMSIG(status));
	unlink(argv[2]);
	return 0;
}
