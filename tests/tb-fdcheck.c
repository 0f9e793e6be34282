// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tb-fdcheck: the "VMM" of the launcher tests.  tapbroker-helper run execs
 * it with the fds it got, their numbers put in argv:
 *
 *	tb-fdcheck [--hold] QUEUE-FDS [VHOST-FDS]
 *
 * Lists are ':'-separated.  For each queue fd it prints
 * "queue FD: IFNAME tap [multi_queue] [vnet_hdr]" (TUNGETIFF), for each
 * vhost fd "vhost FD: features 0xN" (VHOST_GET_FEATURES, which only
 * /dev/vhost-net answers), then "fds ok".  Anything else is an error on
 * stderr and exit status 1.  With --hold it then waits to be killed,
 * holding the fds (the lease) meanwhile.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int check_list(const char *list, int vhost)
{
	char *copy = strdup(list), *tok, *save = NULL, *end;
	int n = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		long fd = strtol(tok, &end, 10);
		struct ifreq ifr = {0};
		unsigned long long features = 0;

		if (*end || fd < 3 || fd > 1023) {
			fprintf(stderr, "tb-fdcheck: '%s' is not an fd\n", tok);
			return -1;
		}
		if (vhost) {
			if (ioctl((int)fd, VHOST_GET_FEATURES, &features) < 0) {
				fprintf(stderr,
					"tb-fdcheck: fd %ld is not vhost-net: %s\n",
					fd, strerror(errno));
				return -1;
			}
			printf("vhost %ld: features 0x%llx\n", fd, features);
		} else {
			if (ioctl((int)fd, TUNGETIFF, &ifr) < 0) {
				fprintf(stderr,
					"tb-fdcheck: fd %ld is not a tap: %s\n",
					fd, strerror(errno));
				return -1;
			}
			printf("queue %ld: %s %s%s%s\n", fd, ifr.ifr_name,
			       ifr.ifr_flags & IFF_TAP ? "tap" : "tun",
			       ifr.ifr_flags & IFF_MULTI_QUEUE ? " multi_queue"
							       : "",
			       ifr.ifr_flags & IFF_VNET_HDR ? " vnet_hdr" : "");
		}
		n++;
	}
	free(copy);
	return n;
}

int main(int argc, char **argv)
{
	int hold = 0, i = 1, q, v = 0;

	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		hold = 1;
		i++;
	}
	if (argc - i < 1 || argc - i > 2) {
		fprintf(stderr,
			"usage: tb-fdcheck [--hold] QUEUE-FDS [VHOST-FDS]\n");
		return 2;
	}
	q = check_list(argv[i], 0);
	if (q > 0 && argc - i == 2)
		v = check_list(argv[i + 1], 1);
	if (q <= 0 || v < 0)
		return 1;
	printf("fds ok: %d queue%s, %d vhost\n", q, q == 1 ? "" : "s", v);
	fflush(stdout);
	while (hold)
		pause();
	return 0;
}
