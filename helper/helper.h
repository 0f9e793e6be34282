/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tapbroker-helper: the options QEMU (or a person) gives it. */
#ifndef TB_HELPER_H
#define TB_HELPER_H

#include <stddef.h>

struct tbh_opts {
	int fd; /* QEMU's end of the socketpair, -1 if unset */
	int use_vnet; /* --use-vnet: IFF_VNET_HDR */
	const char *bridge; /* --br= */
	const char *socket; /* --socket=, $TAPBROKER_SOCKET or default */
	unsigned int mtu; /* --mtu=, 0 if unset (the broker checks range) */
	const char *lower; /* --macvtap=: a macvtap on it, not a bridge port */
	const char *mode; /* --mode= (macvtap), checked by the broker */
	unsigned int vlan; /* --vlan=: access VLAN, 0 if unset */
	const char *trunk; /* --trunk=: tagged VLAN list */
	const char *adopt; /* --adopt=: a pre-made tap */
	const char *label; /* --vm=: the VM's name, for the lease */
	int routed; /* --routed: host routes to a tap, no bridge */
	char addrs[512]; /* --address= ..., joined by commas */
	const char *tables; /* --table= */
	const char *gateway; /* --gateway= */
	int has_metric;
	unsigned int metric; /* --metric= */
	int help;
	/* tapbroker-helper run [options] -- COMMAND... (launcher mode) */
	int run;
	unsigned int queues; /* --queues=, 0 if unset */
	int vhost; /* --vhost: a /dev/vhost-net fd per queue */
	char separator; /* --separator=: joins @FDS@ and @VHOSTFDS@ */
	char *const *command; /* after "--"; NULL-terminated, like argv */
	const char *proxy; /* --proxy=: routed: uplink for proxy ARP/NDP */
	const char *mac; /* --mac=: the guest NIC's MAC (for the guard) */
};

/* What "run" hands to COMMAND (see launch.c). */
struct tbh_fdset {
	const char *ifname;
	const int *queues; /* fds */
	const int *vhosts; /* fds, or NULL */
	unsigned int n; /* of each */
	char separator;
};

int tbh_parse_args(int argc, char *const argv[], const char *env_socket,
		   struct tbh_opts *o, char *err, size_t errlen);
int tbh_substitute(const char *arg, const struct tbh_fdset *fs, char *out,
		   size_t outlen, char *err, size_t errlen);
int tbh_command_names(char *const *command, const char *token);

#endif
