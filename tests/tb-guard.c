// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tb-guard: drives the guard module (broker/guard.c) for tests/ns-guard.sh
 * and measures it.  Run as root inside a test's network namespace:
 *
 *	tb-guard tap NAME BRIDGE|-	a persistent tap, in BRIDGE (or none), up
 *	tb-guard install NAME MAC [OPTS] [ADDR...]
 *		OPTS: --router, --routed, --macvtap, --pvid=N, --tagged=LIST
 *	tb-guard verify NAME [MAC] [OPTS]
 *	tb-guard remove NAME MAC [OPTS]
 *	tb-guard send NAME CAPTURE [--router] [--macvtap]
 *		attaches to tap NAME and writes crafted frames into it, as a
 *		guest would; each must (or must not) arrive on link CAPTURE.
 *		Prints TAP lines (no plan).  The guest is 52:54:00:12:34:56,
 *		10.0.0.5 and 2001:db8::5 (the guard installed by the script).
 *	tb-guard list			the ports of all guard chains
 *	tb-guard watch SECONDS NAME MAC [OPTS] [ADDR...]
 *		installs that guard, prints "ready", then for SECONDS one
 *		"changed IFNAME" (or "changed *") per foreign change
 *	tb-guard bench BRIDGE N		N installs + removes: median, in µs
 *
 * With --seccomp first, install, verify and remove run under the broker's
 * system call allow-list (tb_priv_seccomp(), trap mode: a call off the
 * list is named on stderr, exit status 70).
 *
 * Exit status: 0, 1 on failure (the reason on stderr), 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "guard.h"
#include "prefix.h"
#include "vlan.h"

static struct tb_nl *nl;
static struct tb_guard_ctx *gc;

static int die(const char *what, int err)
{
	fprintf(stderr, "tb-guard: %s: %s\n", what, strerror(-err));
	exit(1);
}

static int tun_open(const char *name, int persist)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0)
		die(name, -errno);
	if (persist && ioctl(fd, TUNSETPERSIST, 1) < 0)
		die("TUNSETPERSIST", -errno);
	return fd;
}

static int cmd_tap(const char *name, const char *bridge)
{
	struct tb_bridge_info br = {0, 1500};
	char why[256];
	unsigned int mtu;
	int fd = tun_open(name, 1), ifindex, err;

	close(fd);
	err = tb_nl_link_get(nl, name, &ifindex, &mtu);
	if (!err && strcmp(bridge, "-"))
		err = tb_nl_bridge_get(nl, bridge, &br, why, sizeof(why));
	if (!err)
		err = tb_nl_link_config(nl, ifindex, br.ifindex, br.mtu, NULL,
					"tb-guard test");
	if (!err)
		err = tb_nl_link_up(nl, ifindex, "tb-guard test");
	return err ? die(name, err) : 0;
}

static void parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &end) != 6) {
		fprintf(stderr, "tb-guard: bad MAC '%s'\n", s);
		exit(2);
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
}

static struct tb_prefix addrs[TB_GUARD_ADDRS + 8];
static struct tb_vlan_set tagged;

/* NAME [MAC] [OPTS] [ADDR...] into @g. */
static void parse_guard(int argc, char **argv, int want_mac, struct tb_guard *g)
{
	char why[256];
	int i = 1;

	*g = (struct tb_guard){.bridged = 1, .addrs = addrs};
	snprintf(g->ifname, sizeof(g->ifname), "%s", argv[0]);
	if (tb_nl_link_get(nl, argv[0], &g->ifindex, &(unsigned int){0}))
		g->ifindex = 0;
	if (want_mac && argc > 1 && strchr(argv[1], ':') && argv[1][0] != '-')
		parse_mac(argv[i++], g->mac);
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--router"))
			g->router = 1;
		else if (!strcmp(argv[i], "--routed"))
			g->bridged = 0;
		else if (!strcmp(argv[i], "--macvtap"))
			g->bridged = 0, g->macvtap = 1;
		else if (!strncmp(argv[i], "--pvid=", 7))
			g->pvid = (unsigned int)atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "--tagged=", 9) &&
			 !tb_vlan_parse(argv[i] + 9, &tagged, why, sizeof(why)))
			g->tagged = &tagged;
		else if (g->naddrs < sizeof(addrs) / sizeof(addrs[0]) &&
			 !tb_prefix_parse(argv[i], 1, &addrs[g->naddrs], why,
					  sizeof(why)))
			g->naddrs++;
		else {
			fprintf(stderr, "tb-guard: bad argument '%s'\n",
				argv[i]);
			exit(2);
		}
	}
}

static int cmd_guard(const char *cmd, int argc, char **argv)
{
	struct tb_guard_found f;
	struct tb_guard g;
	char why[512] = "";
	int err;

	parse_guard(argc, argv, 1, &g);
	if (!strcmp(cmd, "install"))
		err = tb_guard_install(gc, nl, &g, why, sizeof(why));
	else if (!strcmp(cmd, "verify"))
		err = tb_guard_verify(gc, nl, &g, &f, why, sizeof(why));
	else
		err = tb_guard_remove(gc, nl, &g);
	if (err) {
		fprintf(stderr, "tb-guard: %s %s: %s\n", cmd, g.ifname,
			why[0] ? why : strerror(-err));
		return 1;
	}
	if (!strcmp(cmd, "verify"))
		printf("guard %s mac %02x:%02x:%02x:%02x:%02x:%02x router %d rules %u\n",
		       g.ifname, f.mac[0], f.mac[1], f.mac[2], f.mac[3],
		       f.mac[4], f.mac[5], f.router, f.rules);
	return 0;
}

/* ---- frames ------------------------------------------------------------ */

static const uint8_t me[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t other[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x66};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mcast6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

struct frame {
	uint8_t b[256];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put16(struct frame *f, uint16_t v)
{
	v = htons(v);
	put(f, &v, 2);
}

static void ip(const char *s, void *out)
{
	if (inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, out) != 1)
		exit(2);
}

static void eth(struct frame *f, const uint8_t *dst, const uint8_t *src,
		uint16_t type)
{
	f->len = 0;
	put(f, dst, 6);
	put(f, src, 6);
	put16(f, type);
}

static void arp(struct frame *f, int op, const uint8_t *sha, const char *spa,
		const char *tpa)
{
	uint8_t a[4];

	eth(f, bcast, me, ETHERTYPE_ARP);
	put16(f, 1);
	put16(f, ETHERTYPE_IP);
	put(f, "\6\4", 2);
	put16(f, (uint16_t)op);
	put(f, sha, 6);
	ip(spa, a);
	put(f, a, 4);
	put(f, "\0\0\0\0\0\0", 6);
	ip(tpa, a);
	put(f, a, 4);
}

/* IPv4/UDP from @src:@sport to @dst:@dport, 8 bytes of payload. */
static void udp4(struct frame *f, const uint8_t *mac, const char *src,
		 const char *dst, int sport, int dport)
{
	uint8_t h[20] = {0x45, 0, 0, 36, 0, 0, 0x40, 0, 64, IPPROTO_UDP};

	uint32_t sum = 0;

	eth(f, bcast, mac, ETHERTYPE_IP);
	ip(src, h + 12);
	ip(dst, h + 16);
	/* the bridge's multicast snooping drops a bad header checksum */
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
	h[10] = (uint8_t)(sum >> 8);
	h[11] = (uint8_t)sum;
	put(f, h, 20);
	put16(f, (uint16_t)sport);
	put16(f, (uint16_t)dport);
	put16(f, 16);
	put16(f, 0);
	put(f, "tbguard!", 8);
}

/* IPv6 header for @plen bytes of protocol @nh. */
static void ip6(struct frame *f, const uint8_t *mac, const char *src,
		const char *dst, int nh, int plen)
{
	uint8_t h[40] = {0x60, 0, 0, 0, 0, (uint8_t)plen, (uint8_t)nh, 255};

	eth(f, mcast6, mac, ETHERTYPE_IPV6);
	ip(src, h + 8);
	ip(dst, h + 24);
	put(f, h, 40);
}

static void udp6(struct frame *f, const char *src, int sport, int dport)
{
	ip6(f, me, src, "ff02::1:2", IPPROTO_UDP, 16);
	put16(f, (uint16_t)sport);
	put16(f, (uint16_t)dport);
	put16(f, 16);
	put16(f, 0);
	put(f, "tbguard!", 8);
}

/* ICMPv6 NS (135) or NA (136) for @target, with option @opt (1: SLLA,
 * 2: TLLA, 14: nonce, 0: none) carrying @ll. */
static void ndp(struct frame *f, int type, const char *src, const char *target,
		int opt, const uint8_t *ll)
{
	uint8_t t[16];

	ip6(f, me, src, "ff02::1", IPPROTO_ICMPV6, opt ? 32 : 24);
	put(f, (uint8_t[]){(uint8_t)type, 0, 0, 0}, 4);
	put(f, (uint8_t[]){type == 136 ? 0x20 : 0, 0, 0, 0}, 4);
	ip(target, t);
	put(f, t, 16);
	if (opt) {
		put(f, (uint8_t[]){(uint8_t)opt, 1}, 2);
		put(f, ll, 6);
	}
}

/* ICMPv6 RS (133) or RA (134) from @src, with SLLA @ll. */
static void rsra(struct frame *f, int type, const char *src, const uint8_t *ll)
{
	int ra = type == 134;

	ip6(f, me, src, "ff02::1", IPPROTO_ICMPV6, ra ? 24 : 16);
	put(f, (uint8_t[]){(uint8_t)type, 0, 0, 0}, 4);
	put(f, (uint8_t[]){64, 0, ra ? 7 : 0, ra ? 8 : 0}, 4);
	if (ra)
		put(f, "\0\0\0\0\0\0\0\0", 8);
	put(f, (uint8_t[]){1, 1}, 2);
	put(f, ll, 6);
}

/* An IEEE 802.1Q tag (VLAN @vid) put into @f after the MAC addresses. */
static void tag(struct frame *f, int vid)
{
	memmove(f->b + 16, f->b + 12, f->len - 12);
	f->b[12] = 0x81;
	f->b[13] = 0;
	f->b[14] = (uint8_t)(vid >> 8);
	f->b[15] = (uint8_t)vid;
	f->len += 4;
}

/* Is @got (@n bytes) frame @f?  A tag is taken off on the way: the
 * capture sees the frame untagged. */
static int same(const struct frame *f, const uint8_t *got, size_t n)
{
	if (f->b[12] == 0x81 && f->b[13] == 0)
		return n + 4 >= f->len && !memcmp(got, f->b, 12) &&
		       !memcmp(got + 12, f->b + 16, f->len - 16);
	return n >= f->len && !memcmp(got, f->b, f->len);
}

static int tap_fd = -1, cap_fd = -1, n_ok, n_fail, n_case, vnet;

/* Writes @f into the tap, after a zero virtio-net header on a macvtap
 * (which has IFF_VNET_HDR set by default). */
static void tap_write(const struct frame *f)
{
	uint8_t buf[sizeof(f->b) + 10] = {0};
	size_t off = vnet ? 10 : 0;

	memcpy(buf + off, f->b, f->len);
	if (write(tap_fd, buf, off + f->len) != (ssize_t)(off + f->len))
		die("write to the tap", -errno);
}

static int cap_open(const char *name)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL)};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			htons(ETH_P_ALL));

	sll.sll_ifindex = (int)if_nametoindex(name);
	if (fd < 0 || !sll.sll_ifindex ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die(name, -errno);
	return fd;
}

/* Reads the capture until @sentinel arrives (1 s at most): was @f seen
 * before it?  1, 0, or -1 if the sentinel was lost. */
static int cap_until(const struct frame *f, const struct frame *sentinel)
{
	struct pollfd p = {.fd = cap_fd, .events = POLLIN};
	struct sockaddr_ll from;
	uint8_t buf[2048];
	int seen = 0;

	while (poll(&p, 1, 1000) > 0) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(cap_fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (n < 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (same(sentinel, buf, (size_t)n))
			return seen;
		seen |= same(f, buf, (size_t)n);
	}
	return -1;
}

/* Writes @f, then a legitimate sentinel, into the tap: did @f arrive? */
static int deliver(const struct frame *f)
{
	struct frame s;
	uint8_t drain[2048];

	while (recv(cap_fd, drain, sizeof(drain), 0) > 0)
		;
	udp4(&s, me, "10.0.0.5", "10.0.0.255", 40000 + n_case, 9);
	tap_write(f);
	tap_write(&s);
	return cap_until(f, &s);
}

static void check(const struct frame *f, int pass, const char *what)
{
	int got = deliver(f);

	n_case++;
	if (got == pass) {
		n_ok++;
		printf("ok - %s %s\n", what, pass ? "passes" : "is dropped");
	} else {
		n_fail++;
		printf("not ok - %s %s%s\n", what,
		       pass ? "passes" : "is dropped",
		       got < 0 ? " (the sentinel frame was lost)" : "");
	}
}

#define LL "fe80::5054:ff:fe12:3456"

/* Spoofed IPv4 and IPv6 sources, and the router's frames. */
static void send_spoofed(int router)
{
	struct frame f;

	udp4(&f, other, "10.0.0.5", "10.0.0.255", 5000, 9);
	check(&f, 0, "IPv4 with a spoofed source MAC");
	udp4(&f, me, "10.0.0.6", "10.0.0.255", 5000, 9);
	check(&f, 0, "IPv4 from another lease's address");
	udp4(&f, me, "0.0.0.0", "10.0.0.255", 5000, 53);
	check(&f, 0, "IPv4 from 0.0.0.0 that is not DHCP");
	udp6(&f, "2001:db8::6", 5000, 9);
	check(&f, 0, "IPv6 from another lease's address");
	udp6(&f, "fe80::1", 5000, 9);
	check(&f, 0, "IPv6 from a link-local address not its own");
	if (router)
		return;
	udp4(&f, me, "10.0.0.5", "255.255.255.255", 67, 68);
	check(&f, 0, "a DHCP offer (UDP from port 67)");
	rsra(&f, 134, LL, me);
	check(&f, 0, "a router advertisement");
	udp6(&f, LL, 547, 546);
	check(&f, 0, "a DHCPv6 server reply (UDP from port 547)");
}

/* Spoofed ARP and NDP, other ethertypes, VLAN tags. */
static void send_spoofed_l2(void)
{
	struct frame f;

	arp(&f, 2, me, "10.0.0.1", "10.0.0.1");
	check(&f, 0, "ARP poisoning the gateway 10.0.0.1");
	arp(&f, 1, me, "10.0.0.6", "10.0.0.6");
	check(&f, 0, "gratuitous ARP for another lease's 10.0.0.6");
	arp(&f, 1, other, "10.0.0.5", "10.0.0.1");
	check(&f, 0, "ARP with a foreign sender MAC");
	ndp(&f, 136, LL, LL, 2, other);
	check(&f, 0, "NDP NA with a foreign target link-layer address");
	ndp(&f, 135, "2001:db8::5", "2001:db8::1", 1, other);
	check(&f, 0, "NDP NS with a foreign source link-layer address");
	ndp(&f, 136, "2001:db8::5", "2001:db8::6", 2, me);
	check(&f, 0, "NDP NA for another lease's 2001:db8::6");
	rsra(&f, 133, LL, other);
	check(&f, 0, "router solicitation with a foreign link-layer address");
	eth(&f, bcast, me, 0x88b5);
	put(&f, "tbguard-other-ethertype!", 24);
	check(&f, 0, "an unknown ethertype (0x88b5)");
	udp4(&f, me, "10.0.0.6", "10.0.0.255", 5000, 9);
	tag(&f, 10);
	check(&f, 0, "IPv4 from another lease's address, VLAN-tagged");
	udp4(&f, me, "10.0.0.5", "10.0.0.255", 5000, 9);
	tag(&f, 10);
	tag(&f, 20);
	check(&f, 0, "a double-tagged (802.1Q in 802.1Q) frame");
}

static void send_legit(int router)
{
	struct frame f;

	udp4(&f, me, "10.0.0.5", "10.0.0.255", 5000, 9);
	check(&f, 1, "IPv4 from its own MAC and address");
	arp(&f, 1, me, "10.0.0.5", "10.0.0.1");
	check(&f, 1, "ARP request from its own MAC and address");
	arp(&f, 1, me, "0.0.0.0", "10.0.0.5");
	check(&f, 1, "ARP probe from 0.0.0.0");
	udp4(&f, me, "0.0.0.0", "255.255.255.255", 68, 67);
	check(&f, 1, "DHCP discover from 0.0.0.0");
	udp6(&f, "2001:db8::5", 5000, 9);
	check(&f, 1, "IPv6 from its own address");
	udp6(&f, LL, 546, 547);
	check(&f, 1, "DHCPv6 solicit from its own link-local address");
	ndp(&f, 135, "::", LL, 0, me);
	check(&f, 1, "DAD NS from ::");
	ndp(&f, 135, "::", LL, 14, (const uint8_t *)"nonce!");
	check(&f, 1, "DAD NS from :: with a nonce");
	ndp(&f, 135, LL, "fe80::1", 1, me);
	check(&f, 1, "NS from its own link-local address with its MAC");
	ndp(&f, 136, "2001:db8::5", "2001:db8::5", 2, me);
	check(&f, 1, "NA for its own address with its MAC");
	rsra(&f, 133, LL, me);
	check(&f, 1, "router solicitation with its MAC");
	udp4(&f, me, "10.0.0.5", "10.0.0.255", 5000, 9);
	tag(&f, 10);
	/* a macvtap's egress sees the tag: its guard drops tagged frames */
	check(&f, !vnet,
	      vnet ? "IPv4 from its own address, VLAN-tagged, on a macvtap"
		   : "IPv4 from its own address, VLAN-tagged");
	if (!router)
		return;
	udp4(&f, me, "10.0.0.5", "255.255.255.255", 67, 68);
	check(&f, 1, "a DHCP offer from a router guest");
	rsra(&f, 134, LL, me);
	check(&f, 1, "a router advertisement from a router guest");
}

/* The bridge forwards from a port once its carrier is seen (linkwatch,
 * up to a second after the tap is attached): legitimate frames go in
 * until one comes out, 5 s at most. */
static void warm_up(void)
{
	struct frame f;
	int i;

	udp4(&f, me, "10.0.0.5", "10.0.0.255", 4999, 9);
	for (i = 0; i < 5 && deliver(&f) != 1; i++)
		;
	if (i == 5) {
		fprintf(stderr, "tb-guard: no frame arrives on the capture\n");
		exit(1);
	}
}

/* A macvtap's character device, /dev/tapIFINDEX. */
static int macvtap_open(const char *name)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/tap%u", if_nametoindex(name));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(path, -errno);
	return fd;
}

static int cmd_send(const char *name, const char *capture, int router,
		    int macvtap)
{
	vnet = macvtap;
	tap_fd = macvtap ? macvtap_open(name) : tun_open(name, 0);
	cap_fd = cap_open(capture);
	warm_up();
	send_spoofed(router);
	send_spoofed_l2();
	send_legit(router);
	close(tap_fd);
	close(cap_fd);
	return n_fail ? 1 : 0;
}

/* ---- bench ------------------------------------------------------------- */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* N installs + removes of a bridged guard on tap "tbgb" (made here, in
 * @bridge): the median and 90th percentile of each, in µs. */
static int cmd_bench(const char *bridge, int n)
{
	struct tb_prefix a[2];
	struct tb_guard g;
	uint64_t *in = calloc((size_t)n, 8), *out = calloc((size_t)n, 8), t;
	char why[512];

	if (!in || !out || n < 1)
		return 2;
	cmd_tap("tbgb", bridge);
	tb_prefix_parse("10.0.0.5", 0, &a[0], why, sizeof(why));
	tb_prefix_parse("2001:db8::5", 0, &a[1], why, sizeof(why));
	parse_guard(1, (char *[]){"tbgb"}, 0, &g);
	memcpy(g.mac, me, 6);
	g.addrs = a;
	g.naddrs = 2;
	for (int i = 0; i < n; i++) {
		t = now_us();
		if (tb_guard_install(gc, nl, &g, why, sizeof(why)))
			return fprintf(stderr, "tb-guard: %s\n", why), 1;
		in[i] = now_us() - t;
		t = now_us();
		tb_guard_remove(gc, nl, &g);
		out[i] = now_us() - t;
	}
	qsort(in, (size_t)n, 8, cmp_u64);
	qsort(out, (size_t)n, 8, cmp_u64);
	printf("guard install: median %llu us, p90 %llu us; remove: median %llu us, p90 %llu us (n=%d)\n",
	       (unsigned long long)in[n / 2],
	       (unsigned long long)in[n * 9 / 10],
	       (unsigned long long)out[n / 2],
	       (unsigned long long)out[n * 9 / 10], n);
	free(in);
	free(out);
	return 0;
}

static int has(int argc, char **argv, const char *opt)
{
	for (int i = 4; i < argc; i++)
		if (!strcmp(argv[i], opt))
			return 1;
	return 0;
}

static void list_one(void *arg, const char *ifname)
{
	printf("%s\n", ifname);
}

static int watch_fd = -1; /* opened before seccomp, as the broker must */

static void changed(void *arg, const char *ifname)
{
	printf("changed %s\n", ifname ? ifname : "*");
	fflush(stdout);
}

/* Watches for @secs seconds, printing "changed IFNAME" (or "changed *")
 * for each foreign change; installs the guard of @argv first (its own
 * change, which must not be reported), then prints "ready". */
static int cmd_watch(int secs, int argc, char **argv)
{
	struct pollfd p = {.events = POLLIN};
	struct tb_guard g;
	char why[512];
	int err;

	p.fd = watch_fd;
	parse_guard(argc, argv, 1, &g);
	if (tb_guard_install(gc, nl, &g, why, sizeof(why)))
		return fprintf(stderr, "tb-guard: %s\n", why), 1;
	printf("ready\n");
	fflush(stdout);
	for (uint64_t end = now_us() + (uint64_t)secs * 1000000u;
	     now_us() < end;)
		if (poll(&p, 1, 100) > 0 &&
		    (err = tb_guard_watch_read(gc, changed, NULL)))
			die("watch", err);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: tb-guard tap|install|verify|remove|send|bench ...\n");
	return 2;
}

int main(int argc, char **argv)
{
	int err, sec = argc > 1 && !strcmp(argv[1], "--seccomp");

	argc -= sec;
	argv += sec;
	if (argc < 2)
		return usage();
	err = tb_nl_open(&nl);
	if (!err)
		err = tb_guard_open(&gc);
	if (err)
		die("open", err);
	if (!strcmp(argv[1], "watch") &&
	    (watch_fd = tb_guard_watch_open(gc)) < 0)
		die("watch", watch_fd);
	if (sec)
		tb_priv_seccomp(TB_SECCOMP_TRAP);
	if (!strcmp(argv[1], "tap") && argc == 4)
		return cmd_tap(argv[2], argv[3]);
	if ((!strcmp(argv[1], "install") || !strcmp(argv[1], "verify") ||
	     !strcmp(argv[1], "remove")) &&
	    argc >= 3)
		return cmd_guard(argv[1], argc - 2, argv + 2);
	if (!strcmp(argv[1], "watch") && argc >= 5)
		return cmd_watch(atoi(argv[2]), argc - 3, argv + 3);
	if (!strcmp(argv[1], "list"))
		return tb_guard_list(gc, list_one, NULL) ? 1 : 0;
	if (!strcmp(argv[1], "send") && argc >= 4)
		return cmd_send(argv[2], argv[3], has(argc, argv, "--router"),
				has(argc, argv, "--macvtap"));
	if (!strcmp(argv[1], "bench") && argc == 4)
		return cmd_bench(argv[2], atoi(argv[3]));
	return usage();
}
