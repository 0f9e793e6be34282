// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tb-hostile: the "VMM" of a hostile tenant.  tapbroker-helper run execs it
 * with the fds of a lease; it makes the tun ioctls any fd holder may make,
 * unprivileged, and reports each kernel answer:
 *
 *	tb-hostile QUEUE-FDS ACTION...
 *
 * QUEUE-FDS is ':'-separated (@FDS@ or @FD@).  Actions, in order:
 *	carrier=0|1	TUNSETCARRIER on the first fd
 *	owner=UID	TUNSETOWNER
 *	persist=0|1	TUNSETPERSIST
 *	link=TYPE	TUNSETLINK (ARPHRD_* number)
 *	debug=LEVEL	TUNSETDEBUG (the tun driver's message level)
 *	mac=XX:..:XX	SIOCSIFHWADDR on the fd
 *	attach[=mq]	open /dev/net/tun and TUNSETIFF by the tap's own name
 *			(IFF_MULTI_QUEUE with =mq); a new fd is kept open
 *	detach		TUNSETQUEUE IFF_DETACH_QUEUE on every queue fd
 *	sleep=MS	waits, so that the broker can act in between
 *	filter		TUNATTACHFILTER (classic BPF: accept all), kept by the
 *			device for later attachers

 * Each prints "ACTION: ok" or "ACTION: <strerror>".  Then "ready IFNAME";
 * SIGUSR1 closes every fd (handed and attached) and prints "closed";
 * SIGTERM ends it.  Exit 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_FDS 64

static int fds[MAX_FDS], nfds;
static char ifname[IFNAMSIZ];
static volatile sig_atomic_t want_close;

static void on_usr1(int sig)
{
	(void)sig;
	want_close = 1;
}

static int parse_fds(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL, *end;

	for (tok = strtok_r(copy, ":", &save); tok && nfds < MAX_FDS;
	     tok = strtok_r(NULL, ":", &save)) {
		long fd = strtol(tok, &end, 10);

		if (*end || fd < 3 || fd > 1023)
			return -1;
		fds[nfds++] = (int)fd;
	}
	free(copy);
	return nfds ? 0 : -1;
}

static int do_attach(int mq)
{
	struct ifreq ifr = {0};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ifr.ifr_flags =
		IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (mq ? IFF_MULTI_QUEUE : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (nfds < MAX_FDS)
		fds[nfds++] = fd;
	return 0;
}

static int do_mac(const char *text)
{
	struct ifreq ifr = {0};
	unsigned int m[6];

	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -EINVAL;
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	for (int i = 0; i < 6; i++)
		ifr.ifr_hwaddr.sa_data[i] = (char)m[i];
	return ioctl(fds[0], SIOCSIFHWADDR, &ifr) < 0 ? -errno : 0;
}

static int do_detach(void)
{
	struct ifreq ifr = {.ifr_flags = IFF_DETACH_QUEUE};

	for (int i = 0; i < nfds; i++)
		if (ioctl(fds[i], TUNSETQUEUE, &ifr) < 0)
			return -errno;
	return 0;
}

static int do_filter(void)
{
	struct sock_filter all = BPF_STMT(BPF_RET | BPF_K, 0xffff);
	struct sock_fprog prog = {.len = 1, .filter = &all};

	return ioctl(fds[0], TUNATTACHFILTER, &prog) < 0 ? -errno : 0;
}

/* One action; returns 0, -errno, or 1 for an unknown action. */
static int act(const char *a)
{
	const char *v = strchr(a, '=');
	unsigned long n = v ? strtoul(v + 1, NULL, 0) : 0;
	int carrier = (int)n;

	if (!strncmp(a, "carrier=", 8))
		return ioctl(fds[0], TUNSETCARRIER, &carrier) < 0 ? -errno : 0;
	if (!strncmp(a, "owner=", 6))
		return ioctl(fds[0], TUNSETOWNER, n) < 0 ? -errno : 0;
	if (!strncmp(a, "persist=", 8))
		return ioctl(fds[0], TUNSETPERSIST, n) < 0 ? -errno : 0;
	if (!strncmp(a, "link=", 5))
		return ioctl(fds[0], TUNSETLINK, n) < 0 ? -errno : 0;
	if (!strncmp(a, "debug=", 6))
		return ioctl(fds[0], TUNSETDEBUG, n) < 0 ? -errno : 0;
	if (!strncmp(a, "mac=", 4))
		return do_mac(a + 4);
	if (!strcmp(a, "attach") || !strcmp(a, "attach=mq"))
		return do_attach(v != NULL);
	if (!strcmp(a, "detach"))
		return do_detach();
	if (!strcmp(a, "filter"))
		return do_filter();
	if (!strncmp(a, "sleep=", 6))
		return usleep((useconds_t)n * 1000) < 0 ? -errno : 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct ifreq ifr = {0};
	int err;

	if (argc < 2 || parse_fds(argv[1]) ||
	    ioctl(fds[0], TUNGETIFF, &ifr) < 0) {
		fprintf(stderr, "usage: tb-hostile QUEUE-FDS ACTION...\n");
		return 2;
	}
	snprintf(ifname, sizeof(ifname), "%s", ifr.ifr_name);
	signal(SIGUSR1, on_usr1);
	for (int i = 2; i < argc; i++) {
		err = act(argv[i]);
		if (err == 1) {
			fprintf(stderr, "tb-hostile: unknown action %s\n",
				argv[i]);
			return 2;
		}
		printf("%s: %s\n", argv[i], err ? strerror(-err) : "ok");
	}
	printf("ready %s\n", ifname);
	fflush(stdout);
	for (;;) {
		pause();
		if (!want_close)
			continue;
		want_close = 0;
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		nfds = 0;
		printf("closed\n");
		fflush(stdout);
	}
}
