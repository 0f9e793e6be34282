// SPDX-License-Identifier: GPL-2.0-or-later
/* Parses tapbroker-helper's argv: QEMU's bridge-helper options and ours. */
#include "helper.h"
#include "proto.h"
#include "fields.h"
#include "prefix.h"
#include "vlan.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tbh_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tbh_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Strict decimal: digits only, no sign, no spaces, fits an int. */
static int tbh_parse_fd(const char *s, int *fd)
{
	unsigned long v = 0;
	const char *p;

	if (!*s || strlen(s) > 10)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > INT_MAX)
		return -EINVAL;
	*fd = (int)v;
	return 0;
}

/* Returns the value of "--name=value" in @arg, or NULL if @arg is not it. */
static const char *tbh_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) || arg[n] != '=')
		return NULL;
	return arg + n + 1;
}

static int tbh_once(const void *already, const char *name, char *err,
		    size_t errlen)
{
	if (already)
		return tbh_fail(err, errlen, "%s given twice", name);
	return 0;
}

/* --address=ADDR[/LEN]: checked here for a clear early error, again by
 * the broker; joined into one comma-separated list. */
static int tbh_address(const char *v, struct tbh_opts *o, char *err,
		       size_t errlen)
{
	struct tb_prefix p;
	char why[96];
	size_t used = strlen(o->addrs), n = 1;

	for (const char *c = o->addrs; *c; c++)
		n += *c == ',';
	if (used && n >= TB_ADDRS)
		return tbh_fail(err, errlen,
				"more than %d --address=", TB_ADDRS);
	if (tb_prefix_parse(v, 0, &p, why, sizeof(why)))
		return tbh_fail(err, errlen, "--address: %s", why);
	if (used + strlen(v) + 2 > sizeof(o->addrs))
		return tbh_fail(err, errlen, "--address= values are too long");
	snprintf(o->addrs + used, sizeof(o->addrs) - used, "%s%s",
		 used ? "," : "", v);
	return 0;
}

/* --mac=MAC: the guest NIC's, as given to QEMU (fields.c checks it). */
static int tbh_mac(const char *v, struct tbh_opts *o, char *err, size_t errlen)
{
	uint8_t mac[6];
	char why[96];

	if (tbh_once(o->mac, "--mac", err, errlen))
		return -EINVAL;
	if (tb_mac_parse(v, mac, why, sizeof(why)))
		return tbh_fail(err, errlen, "--mac: %s", why);
	o->mac = v;
	return 0;
}

/* One argument of QEMU's own options and the socket: 0, -EINVAL, or 1 if not one of them. */
static int tbh_one_qemu(const char *a, struct tbh_opts *o, int *seen_fd,
			char *err, size_t errlen)
{
	char shown[64];
	const char *v;

	if (!strcmp(a, "--use-vnet")) {

		o->use_vnet = 1;
	} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {

		o->help = 1;
	} else if ((v = tbh_value(a, "--fd"))) {

		if (*seen_fd)
			return tbh_fail(err, errlen, "--fd given twice");
		*seen_fd = 1;
		if (tbh_parse_fd(v, &o->fd)) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(
				err, errlen,
				"--fd=%s is not a file descriptor number",
				shown);
		}
	} else if ((v = tbh_value(a, "--br"))) {

		if (tbh_once(o->bridge, "--br", err, errlen))
			return -EINVAL;
		o->bridge = v;
	} else if ((v = tbh_value(a, "--socket"))) {

		if (tbh_once(o->socket, "--socket", err, errlen))
			return -EINVAL;
		if (!*v)
			return tbh_fail(err, errlen, "--socket= needs a path");
		o->socket = v;
	} else {
		return 1;
	}
	return 0;
}

/* One argument of the port: MTU and VLANs: 0, -EINVAL, or 1 if not one of them. */
static int tbh_one_port(const char *a, struct tbh_opts *o, char *err,
			size_t errlen)
{
	char shown[64];
	char why[96];
	const char *v;
	int n;

	if ((v = tbh_value(a, "--mtu"))) {

		if (o->mtu)
			return tbh_fail(err, errlen, "--mtu given twice");
		if (tbh_parse_fd(v, &n) || n == 0) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(err, errlen,
					"--mtu=%s is not a positive number",
					shown);
		}
		o->mtu = (unsigned int)n;
	} else if ((v = tbh_value(a, "--vlan"))) {

		if (o->vlan)
			return tbh_fail(err, errlen, "--vlan given twice");
		if (tbh_parse_fd(v, &n) || n < TB_VLAN_MIN || n > TB_VLAN_MAX) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(err, errlen,
					"--vlan=%s is not a VLAN id (1-4094)",
					shown);
		}
		o->vlan = (unsigned int)n;
	} else if ((v = tbh_value(a, "--trunk"))) {

		struct tb_vlan_set set = {0};

		if (tbh_once(o->trunk, "--trunk", err, errlen))
			return -EINVAL;
		if (tb_vlan_parse(v, &set, why, sizeof(why)))
			return tbh_fail(err, errlen, "--trunk: %s", why);
		o->trunk = v;
	} else {
		return 1;
	}
	return 0;
}

/* One argument of the device: VM name, adopt, MAC, macvtap and mode: 0,
 * -EINVAL, or 1 if not one of them. */
static int tbh_one_device(const char *a, struct tbh_opts *o, char *err,
			  size_t errlen)
{
	char shown[64];
	char why[96];
	const char *v;

	if ((v = tbh_value(a, "--vm"))) {

		if (tbh_once(o->label, "--vm", err, errlen))
			return -EINVAL;
		if (tb_label_check(v, why, sizeof(why))) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(err, errlen, "--vm=%s %s", shown, why);
		}
		o->label = v;
	} else if ((v = tbh_value(a, "--adopt"))) {

		if (tbh_once(o->adopt, "--adopt", err, errlen))
			return -EINVAL;
		if (tb_ifname_check(v, why, sizeof(why))) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(err, errlen,
					"--adopt: interface name '%s' %s",
					shown, why);
		}
		o->adopt = v;
	} else if ((v = tbh_value(a, "--mac"))) {

		return tbh_mac(v, o, err, errlen);
	} else if ((v = tbh_value(a, "--macvtap"))) {

		if (tbh_once(o->lower, "--macvtap", err, errlen))
			return -EINVAL;
		o->lower = v;
	} else if ((v = tbh_value(a, "--mode"))) {

		if (tbh_once(o->mode, "--mode", err, errlen))
			return -EINVAL;
		if (!*v || strlen(v) >= TB_MODE_NAME_MAX)
			return tbh_fail(
				err, errlen,
				"--mode= needs vepa, bridge, private, passthru or source");
		o->mode = v;
	} else {
		return 1;
	}
	return 0;
}

/* One argument of routed mode: addresses, tables, metric, gateway, proxy: 0, -EINVAL, or 1 if not one of them. */
static int tbh_one_routed(const char *a, struct tbh_opts *o, char *err,
			  size_t errlen)
{
	uint32_t tables[TB_TABLES];
	char shown[64];
	char why[96];
	const char *v;
	size_t nt;
	int n;

	if (!strcmp(a, "--routed")) {

		o->routed = 1;
	} else if ((v = tbh_value(a, "--address"))) {

		return tbh_address(v, o, err, errlen);
	} else if ((v = tbh_value(a, "--table"))) {
		if (tbh_once(o->tables, "--table", err, errlen))
			return -EINVAL;
		if (!*v || strlen(v) >= TB_TABLES_MAX)
			return tbh_fail(
				err, errlen,
				"--table= needs main or a number, comma-separated");
		if (tb_tables_parse(v, tables, &nt, why, sizeof(why)))
			return tbh_fail(err, errlen, "--table: %s", why);
		o->tables = v;
	} else if ((v = tbh_value(a, "--gateway"))) {

		if (tbh_once(o->gateway, "--gateway", err, errlen))
			return -EINVAL;
		o->gateway = v;
	} else if ((v = tbh_value(a, "--metric"))) {

		if (o->has_metric)
			return tbh_fail(err, errlen, "--metric given twice");
		if (tbh_parse_fd(v, &n)) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(err, errlen,
					"--metric=%s is not a number", shown);
		}
		o->has_metric = 1;
		o->metric = (unsigned int)n;
	} else if ((v = tbh_value(a, "--proxy"))) {

		if (tbh_once(o->proxy, "--proxy", err, errlen))
			return -EINVAL;
		if (tb_ifname_check(v, why, sizeof(why))) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(err, errlen,
					"--proxy: uplink name '%s' %s", shown,
					why);
		}
		o->proxy = v;
	} else {
		return 1;
	}
	return 0;
}

/* One argument of launcher mode only: queues, vhost-net, separator: 0, -EINVAL, or 1 if not one of them. */
static int tbh_one_run(const char *a, struct tbh_opts *o, char *err,
		       size_t errlen)
{
	char shown[64];
	const char *v;
	int n;

	if (o->run && (v = tbh_value(a, "--queues"))) {

		if (o->queues)
			return tbh_fail(err, errlen, "--queues given twice");
		if (tbh_parse_fd(v, &n) || n < 1 || n > TB_QUEUES_MAX) {
			tb_escape(v, strlen(v), shown, sizeof(shown));
			return tbh_fail(
				err, errlen,
				"--queues=%s is not a number from 1 to %d",
				shown, TB_QUEUES_MAX);
		}
		o->queues = (unsigned int)n;
	} else if (o->run && !strcmp(a, "--vhost")) {

		o->vhost = 1;
	} else if (o->run && (v = tbh_value(a, "--separator"))) {

		if (strlen(v) != 1 || !strchr(":,; ", *v))
			return tbh_fail(
				err, errlen,
				"--separator= is one of : , ; or a space");
		o->separator = *v;
	} else {
		return 1;
	}
	return 0;
}

static int tbh_one(const char *a, struct tbh_opts *o, int *seen_fd, char *err,
		   size_t errlen)
{
	char shown[64];
	int ret = tbh_one_qemu(a, o, seen_fd, err, errlen);

	if (ret == 1)
		ret = tbh_one_port(a, o, err, errlen);
	if (ret == 1)
		ret = tbh_one_device(a, o, err, errlen);
	if (ret == 1)
		ret = tbh_one_routed(a, o, err, errlen);
	if (ret == 1)
		ret = tbh_one_run(a, o, err, errlen);
	if (ret != 1)
		return ret;
	tb_escape(a, strlen(a), shown, sizeof(shown));
	return tbh_fail(err, errlen,
			"unknown argument '%s' (see tapbroker-helper --help)",
			shown);
}

/* Launcher mode ("run") against QEMU's helper form: what each needs. */
static int tbh_check_run(const struct tbh_opts *o, int seen_fd, char *err,
			 size_t errlen)
{
	if (o->run && seen_fd)
		return tbh_fail(
			err, errlen,
			"run passes its fds to COMMAND: --fd= is for QEMU's helper= only");
	if (o->run && (!o->command || !o->command[0]))
		return tbh_fail(
			err, errlen,
			"run needs a command after --, e.g. run --br=br0 -- qemu-system-x86_64 -netdev tap,id=n0,fd=@FD@ ...");
	if (o->run && !tbh_command_names(o->command, "@FD@") &&
	    !tbh_command_names(o->command, "@FDS@"))
		return tbh_fail(
			err, errlen,
			"the command names none of @FD@, @FDS@: say where its tap fds go (e.g. -netdev tap,id=n0,fds=@FDS@)");
	if (o->run && !o->vhost && tbh_command_names(o->command, "@VHOSTFD"))
		return tbh_fail(
			err, errlen,
			"the command uses @VHOSTFDS@ or @VHOSTFD@: add --vhost");
	if (!o->run && !seen_fd)
		return tbh_fail(
			err, errlen,
			"missing --fd=N (QEMU passes it; see tapbroker-helper --help)");
	return 0;
}

/* The options of one kind (bridge, adopt, macvtap, routed) together. */
static int tbh_check_kind(const struct tbh_opts *o, char *err, size_t errlen)
{
	char why[64], shown[64];

	if (o->mode && !o->lower)
		return tbh_fail(err, errlen, "--mode= is for --macvtap= only");
	if (!o->routed &&
	    (o->tables || o->gateway || o->has_metric || o->proxy))
		return tbh_fail(
			err, errlen,
			"--table=, --metric=, --gateway= and --proxy= need --routed");
	if (o->adopt && (o->lower || o->routed))
		return tbh_fail(
			err, errlen,
			"--adopt= joins a bridge: not with --macvtap= or --routed");
	if (o->routed && (o->lower || o->vlan || o->trunk))
		return tbh_fail(
			err, errlen,
			"--routed takes no --macvtap=, --vlan= or --trunk=");
	if (o->routed)
		return o->addrs[0]
			       ? 0
			       : tbh_fail(
					 err, errlen,
					 "--routed needs --address=ADDR[/LEN]");
	if (o->lower && (o->vlan || o->trunk))
		return tbh_fail(
			err, errlen,
			"--vlan= and --trunk= are for bridges, not --macvtap=");
	if (o->lower) { /* QEMU's --br= (always given) does not apply */
		if (tb_ifname_check(o->lower, why, sizeof(why))) {
			tb_escape(o->lower, strlen(o->lower), shown,
				  sizeof(shown));
			return tbh_fail(err, errlen,
					"macvtap lower device name '%s' %s",
					shown, why);
		}
		return 0;
	}
	if (!o->bridge)
		return tbh_fail(err, errlen, "missing --br=BRIDGE");
	if (tb_ifname_check(o->bridge, why, sizeof(why))) {
		tb_escape(o->bridge, strlen(o->bridge), shown, sizeof(shown));
		return tbh_fail(err, errlen, "bridge name '%s' %s", shown, why);
	}
	return 0;
}

/**
 * tbh_parse_args() - read QEMU's bridge-helper argv and tapbroker's options
 *
 * Accepts --use-vnet, --fd=N, --br=BR and --socket=PATH in any order, each at
 * most once.  The socket comes from --socket, else @env_socket, else the
 * default.  The bridge name is checked here only to fail early with a clear
 * message; the broker checks it again.
 *
 * Return: 0, or -EINVAL with one line in @err.
 */
int tbh_parse_args(int argc, char *const argv[], const char *env_socket,
		   struct tbh_opts *o, char *err, size_t errlen)
{
	int i, seen_fd = 0;

	*o = (struct tbh_opts){.fd = -1, .separator = ':'};
	i = 1;
	if (argc > 1 && !strcmp(argv[1], "run")) {
		o->run = 1;
		o->use_vnet = 1; /* every VMM that takes tap fds wants it */
		i = 2;
	}
	for (; i < argc; i++) {
		if (o->run && !strcmp(argv[i], "--")) {
			o->command = &argv[i + 1];
			break;
		}
		if (tbh_one(argv[i], o, &seen_fd, err, errlen))
			return -EINVAL;
	}
	if (o->help)
		return 0;
	if (!o->socket)
		o->socket = env_socket && *env_socket ? env_socket
						      : TB_DEFAULT_SOCKET;
	if (tbh_check_run(o, seen_fd, err, errlen))
		return -EINVAL;
	return tbh_check_kind(o, err, errlen);
}
