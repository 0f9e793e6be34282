// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: tapbroker-helper's argv, as QEMU and people write it. */
#include "helper.h"
#include "proto.h"
#include "tap.h"

#define ARGV(...) ((char *const[]){"tapbroker-helper", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"h", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(env, ...)                                                    \
	tbh_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), env, &o, err, \
		       sizeof(err))

static struct tbh_opts o;
static char err[256];

static void test_qemu_forms(void)
{
	is_int(PARSE(NULL, "--use-vnet", "--fd=5", "--br=br0"), 0,
	       "QEMU's exec form");
	ok(o.use_vnet && o.fd == 5 && !strcmp(o.bridge, "br0"),
	   "... gives vnet, fd 5, br0");
	is_str(o.socket, TB_DEFAULT_SOCKET, "... and the default socket");
	is_int(PARSE(NULL, "--br=br1", "--fd=0", "--use-vnet"), 0, "any order");
	is_int(PARSE(NULL, "--socket=/x/s", "--use-vnet", "--fd=7", "--br=br0"),
	       0, "QEMU's /bin/sh form with --socket first");
	is_str(o.socket, "/x/s", "... uses --socket");
	is_int(PARSE(NULL, "--fd=3", "--br=br0"), 0, "without --use-vnet");
	ok(!o.use_vnet, "... no vnet header");
}

/* The guard's wire: --mac and --address in bridged and launcher mode. */
static void test_guard_args(void)
{
	is_int(PARSE(NULL, "--fd=3", "--br=br0", "--mac=52:54:00:12:34:56",
		     "--address=10.0.0.5", "--address=2001:db8::5"),
	       0, "bridged: --mac and --address (repeated) accepted");
	is_str(o.mac, "52:54:00:12:34:56", "... the MAC kept");
	is_str(o.addrs, "10.0.0.5,2001:db8::5", "... the addresses joined");
	is_int(PARSE(NULL, "run", "--br=br0", "--mac=52:54:00:ab:cd:ef",
		     "--address=10.0.0.6", "--", "qemu", "fd=@FD@"),
	       0, "launcher mode: --mac and --address accepted");
	is_str(o.mac, "52:54:00:ab:cd:ef", "... the MAC kept");
}

static void test_socket_choice(void)
{
	PARSE("/env/s", "--fd=3", "--br=br0");
	is_str(o.socket, "/env/s", "$TAPBROKER_SOCKET used");
	PARSE("/env/s", "--fd=3", "--br=br0", "--socket=/arg/s");
	is_str(o.socket, "/arg/s", "--socket beats the environment");
	PARSE("", "--fd=3", "--br=br0");
	is_str(o.socket, TB_DEFAULT_SOCKET, "empty environment ignored");
	ok(PARSE(NULL, "--fd=3", "--br=br0", "--socket=") != 0,
	   "empty --socket= refused");
}

static void test_mtu(void)
{
	is_int(PARSE(NULL, "--fd=3", "--br=br0", "--mtu=9000"), 0,
	       "--mtu=9000");
	is_int(o.mtu, 9000, "... is passed on");
	is_int(PARSE(NULL, "--fd=3", "--br=br0"), 0, "no --mtu");
	is_int(o.mtu, 0, "... means the bridge's");
	is_int(PARSE(NULL, "--fd=3", "--br=br0", "--mtu=70000"), 0,
	       "--mtu=70000 is left to the broker to judge");
}

static void test_macvtap(void)
{
	is_int(PARSE(NULL, "--use-vnet", "--fd=3", "--br=br0", "--macvtap=eth0",
		     "--mode=bridge"),
	       0, "--macvtap=eth0 --mode=bridge, with QEMU's --br");
	ok(o.lower && !strcmp(o.lower, "eth0") && !strcmp(o.mode, "bridge"),
	   "... gives the lower device and the mode");
	is_int(PARSE(NULL, "--fd=3", "--macvtap=eth0"), 0,
	       "--macvtap without --br");
}

static void test_routed(void)
{
	is_int(PARSE(NULL, "--fd=3", "--br=br0", "--routed",
		     "--address=10.0.0.5", "--address=2001:db8::/64",
		     "--table=main,100", "--metric=150",
		     "--gateway=169.254.0.1"),
	       0, "--routed with addresses, tables, metric, gateway");
	is_str(o.addrs, "10.0.0.5,2001:db8::/64", "... addresses joined");
	ok(o.has_metric && o.metric == 150 && !strcmp(o.tables, "main,100"),
	   "... metric and tables kept");
	is_int(PARSE(NULL, "--fd=3", "--routed", "--address=10.0.0.5",
		     "--proxy=eth0"),
	       0, "--routed with --proxy");
	is_str(o.proxy, "eth0", "... the uplink kept");
}

static void bad(int ret, const char *what, const char *want)
{
	ok(ret != 0, "%s refused", what);
	like(err, want, "... saying so");
}

static void test_garbage(void)
{
	bad(PARSE(NULL, "--br=br0"), "missing --fd", "missing --fd");
	bad(PARSE(NULL, "--fd=3"), "missing --br", "missing --br");
	bad(PARSE(NULL, "--fd=3", "--fd=4", "--br=br0"), "duplicate --fd",
	    "--fd given twice");
	bad(PARSE(NULL, "--fd=3", "--br=a", "--br=b"), "duplicate --br",
	    "--br given twice");
	bad(PARSE(NULL, "--fd=abc", "--br=br0"), "--fd=abc", "not a file");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mode=vepa"), "--mode alone",
	    "--mode= is for --macvtap= only");
	bad(PARSE(NULL, "--fd=3", "--macvtap=a/b"), "--macvtap=a/b",
	    "macvtap lower device name 'a/b' contains '/'");
	bad(PARSE(NULL, "--fd=3", "--routed", "--address=10.0.0.5",
		  "--table=255"),
	    "--table=255 (local)", "--table: table '255' is not main");
	bad(PARSE(NULL, "--fd=3", "--routed", "--address=10.0.0.5",
		  "--table=0"),
	    "--table=0", "--table: table '0' is not main");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--gateway=10.0.0.1"),
	    "--gateway without --routed", "need --routed");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mac=01:00:5e:00:00:01"),
	    "a multicast --mac", "--mac: MAC 01:00:5e:00:00:01 is multicast");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mac=00:00:00:00:00:00"),
	    "an all-zero --mac", "is all zero");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mac=52:54:00:12:34"),
	    "a short --mac", "is not a MAC address");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mac=52:54:00:12:34:56",
		  "--mac=52:54:00:12:34:57"),
	    "--mac twice", "--mac given twice");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--proxy=eth0"),
	    "--proxy without --routed", "need --routed");
	bad(PARSE(NULL, "--fd=3", "--routed", "--address=10.0.0.5",
		  "--proxy=a/b"),
	    "--proxy=a/b", "--proxy: uplink name 'a/b' contains '/'");
	bad(PARSE(NULL, "--fd=3", "--routed", "--address=10.0.0.5",
		  "--proxy=eth0", "--proxy=eth1"),
	    "duplicate --proxy", "--proxy given twice");
	bad(PARSE(NULL, "--fd=3", "--routed", "--address=10.0.0.1/24"),
	    "--address with host bits", "has host bits set; write 10.0.0.0/24");
	bad(PARSE(NULL, "--fd=3", "--routed", "--address=300.1.2.3"),
	    "--address=300.1.2.3", "is not an IPv4 or IPv6 address");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mtu=big"), "--mtu=big",
	    "--mtu=big is not a positive number");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mtu=0"), "--mtu=0",
	    "not a positive number");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--mtu=1500", "--mtu=1400"),
	    "duplicate --mtu", "--mtu given twice");
	bad(PARSE(NULL, "--fd=", "--br=br0"), "--fd=", "not a file");
	bad(PARSE(NULL, "--fd=-1", "--br=br0"), "--fd=-1", "not a file");
	bad(PARSE(NULL, "--fd= 3", "--br=br0"), "--fd= 3", "not a file");
	bad(PARSE(NULL, "--fd=99999999999", "--br=br0"), "--fd too large",
	    "not a file");
	bad(PARSE(NULL, "--fd=3", "--br="), "empty --br", "is empty");
	bad(PARSE(NULL, "--fd=3", "--br=sixteen-chars-xx"), "16-byte bridge",
	    "longer than 15");
	bad(PARSE(NULL, "--fd=3", "--br=../x"), "bridge with /", "'/'");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--frobnicate"), "unknown option",
	    "unknown argument '--frobnicate'");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "stray"), "positional argument",
	    "unknown argument 'stray'");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--use-vnet=1"), "--use-vnet=1",
	    "unknown argument");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--x\033[2J"),
	    "escape sequence in an argument", "\\x1b");
	is_int(PARSE(NULL, "--help"), 0, "--help accepted alone");
	ok(o.help, "... and asks for help");
}

static void test_run(void)
{
	static const int q[] = {7, 8, 9, 10}, v[] = {11, 12, 13, 14};
	struct tbh_fdset fs = {.ifname = "tb3",
			       .queues = q,
			       .vhosts = v,
			       .n = 4,
			       .separator = ':'};
	/* o.command points into argv: it must outlive the statement */
	static char *const argv[] = {"tapbroker-helper",
				     "run",
				     "--br=br0",
				     "--queues=4",
				     "--vhost",
				     "--",
				     "qemu",
				     "-netdev",
				     "tap,id=n0,fds=@FDS@",
				     NULL};
	char out[64];

	is_int(tbh_parse_args(9, argv, NULL, &o, err, sizeof(err)), 0,
	       "run --br --queues --vhost -- COMMAND");
	ok(o.run && o.queues == 4 && o.vhost && o.use_vnet && o.fd == -1,
	   "... launcher mode, 4 queues, vhost, vnet_hdr implied");
	is_str(o.command[0], "qemu", "... the command starts after --");
	ok(o.command[2] && !o.command[3], "... and keeps all its arguments");
	is_int(PARSE(NULL, "run", "--br=br0", "--", "vmm", "--queues=9",
		     "@FD@"),
	       0, "options after -- belong to the command");
	is_int(o.queues, 0, "... not to run");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--queues=2"),
	    "--queues without run", "unknown argument '--queues=2'");
	bad(PARSE(NULL, "--fd=3", "--br=br0", "--vhost"), "--vhost without run",
	    "unknown argument '--vhost'");
	bad(PARSE(NULL, "run", "--br=br0", "--queues=17", "--", "x", "@FD@"),
	    "--queues=17", "--queues=17 is not a number from 1 to 16");
	bad(PARSE(NULL, "run", "--br=br0", "--queues=2", "--queues=2", "--",
		  "x", "@FD@"),
	    "--queues twice", "--queues given twice");
	bad(PARSE(NULL, "run", "--br=br0", "--"), "run with no command",
	    "run needs a command after --");
	bad(PARSE(NULL, "run", "--br=br0", "--", "x", "3"),
	    "a command without @FD@ or @FDS@", "names none of @FD@, @FDS@");
	bad(PARSE(NULL, "run", "--br=br0", "--fd=3", "--", "x", "@FD@"),
	    "run with --fd", "--fd= is for QEMU's helper= only");
	bad(PARSE(NULL, "run", "--br=br0", "--", "x", "@FDS@", "@VHOSTFDS@"),
	    "@VHOSTFDS@ without --vhost, before the broker is asked",
	    "the command uses @VHOSTFDS@ or @VHOSTFD@: add --vhost");
	bad(PARSE(NULL, "run", "--br=br0", "--separator=x", "--", "x", "@FD@"),
	    "--separator=x", "one of : , ; or a space");

	is_int(tbh_substitute("tap,fds=@FDS@,vhostfds=@VHOSTFDS@", &fs, out,
			      sizeof(out), err, sizeof(err)),
	       0, "@FDS@ and @VHOSTFDS@ put in");
	is_str(out, "tap,fds=7:8:9:10,vhostfds=11:12:13:14",
	       "... joined by ':'");
	fs.separator = ',';
	tbh_substitute("fd=[@FDS@]", &fs, out, sizeof(out), err, sizeof(err));
	is_str(out, "fd=[7,8,9,10]", "--separator=, joins by ','");
	tbh_substitute("@FD@ @VHOSTFD@ @IFNAME@ a@b @FDS", &fs, out,
		       sizeof(out), err, sizeof(err));
	is_str(out, "7 11 tb3 a@b @FDS",
	       "@FD@, @VHOSTFD@, @IFNAME@; other @s kept");
	fs.vhosts = NULL;
	bad(tbh_substitute("@VHOSTFDS@", &fs, out, sizeof(out), err,
			   sizeof(err)),
	    "@VHOSTFDS@ without --vhost",
	    "the command uses @VHOSTFDS@: add --vhost");
	bad(tbh_substitute("@FDS@@FDS@@FDS@@FDS@@FDS@@FDS@", &fs, out, 32, err,
			   sizeof(err)),
	    "a result longer than the buffer", "longer than 31 bytes");
}

int main(void)
{
	test_qemu_forms();
	test_socket_choice();
	test_guard_args();
	test_guard_args();
	test_mtu();
	test_macvtap();
	test_routed();
	test_garbage();
	test_run();
	return done_testing();
}
