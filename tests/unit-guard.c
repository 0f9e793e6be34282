// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the guard's checks and the rules it renders (no kernel). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "guard.h"
#include "prefix.h"
#include "tap.h"

static char text[65536];

static struct tb_guard guard(const char *ifname, const char *mac)
{
	struct tb_guard g = {.ifindex = 7, .bridged = 1};
	unsigned int m[6] = {0};

	snprintf(g.ifname, sizeof(g.ifname), "%s", ifname);
	sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
	       &m[5]);
	for (int i = 0; i < 6; i++)
		g.mac[i] = (uint8_t)m[i];
	return g;
}

static void test_check(void)
{
	struct tb_prefix p[TB_GUARD_ADDRS + 1];
	struct tb_guard g = guard("tb3", "00:00:00:00:00:00");
	char why[256];

	is_int(tb_guard_check(&g, why, sizeof(why)), -EINVAL, "zero MAC");
	ok(strstr(why, "it is zero") != NULL, "... says so: %s", why);
	g = guard("tb3", "33:33:00:00:00:01");
	is_int(tb_guard_check(&g, why, sizeof(why)), -EINVAL, "multicast MAC");
	ok(strstr(why, "multicast") != NULL, "... says so: %s", why);
	g = guard("tb3", "ff:ff:ff:ff:ff:ff");
	is_int(tb_guard_check(&g, why, sizeof(why)), -EINVAL, "broadcast MAC");
	for (const char *bad = "tb\"3\0tb 3\0tb;3\0-tb\0.tb\0tb{3}\0"; *bad;
	     bad += strlen(bad) + 1) {
		g = guard(bad, "52:54:00:12:34:56");
		is_int(tb_guard_check(&g, why, sizeof(why)), -EINVAL,
		       "an interface name unfit for nft text is refused");
		is_int(tb_guard_render(&g, text, sizeof(text)), -EINVAL,
		       "... and not rendered");
	}
	g = guard("tb3", "52:54:00:12:34:56");
	g.ifindex = 0;
	is_int(tb_guard_check(&g, why, sizeof(why)), -ENODEV,
	       "a missing interface");
	g = guard("vm-alice_0.1", "52:54:00:12:34:56");
	is_int(tb_guard_check(&g, why, sizeof(why)), 0,
	       "letters, digits, '-', '_', '.' are fine");
	memset(p, 0, sizeof(p));
	for (int i = 0; i <= TB_GUARD_ADDRS; i++)
		tb_prefix_parse("10.0.0.1", 0, &p[i], why, sizeof(why));
	g.addrs = p;
	g.naddrs = TB_GUARD_ADDRS + 1;
	is_int(tb_guard_check(&g, why, sizeof(why)), -EINVAL,
	       "too many addresses");
	g.naddrs = TB_GUARD_ADDRS;
	is_int(tb_guard_check(&g, why, sizeof(why)), 0,
	       "TB_GUARD_ADDRS addresses are fine");
	ok(tb_guard_render(&g, text, sizeof(text)) > 0,
	   "... and they render (duplicates once)");
}

static int has(const char *line)
{
	return strstr(text, line) != NULL;
}

static void test_render(void)
{
	struct tb_prefix p[4];
	struct tb_guard g = guard("tb3", "52:54:00:12:34:56");
	char why[128];
	int n;

	tb_prefix_parse("10.0.0.5", 0, &p[0], why, sizeof(why));
	tb_prefix_parse("2001:db8::5", 0, &p[1], why, sizeof(why));
	tb_prefix_parse("2001:db8:1::/64", 0, &p[2], why, sizeof(why));
	tb_prefix_parse("2001:db8:1::7", 0, &p[3], why, sizeof(why));
	g.addrs = p;
	g.naddrs = 4;
	n = tb_guard_render(&g, text, sizeof(text));
	is_int(n, 26, "26 rules for one IPv4 address and two IPv6 ones");
	ok(has("add table netdev tapbroker\nadd chain netdev tapbroker tb3\n"
	       "delete chain netdev tapbroker tb3\n"),
	   "a chain left under the name is deleted in the same transaction");
	ok(has("comment \"tapbroker guard mac=52:54:00:12:34:56 router=0 rules=26\""),
	   "the chain's comment records MAC, router and rule count");
	ok(has("type filter hook ingress device \"tb3\" priority -500; policy drop;"),
	   "hooked on tb3's ingress, policy drop");
	ok(has("\t\tether saddr != 52:54:00:12:34:56 counter drop comment \"tapbroker: source MAC\"\n"),
	   "the first rule drops another source MAC");
	ok(has("arp saddr ether 52:54:00:12:34:56 arp saddr ip 0.0.0.0 accept"),
	   "ARP probes from 0.0.0.0 pass");
	ok(has("ip6 saddr fe80::5054:ff:fe12:3456 accept"),
	   "the EUI-64 link-local address of the MAC is the guest's");
	ok(has("ip6 saddr 2001:db8:1::/64 accept") &&
		   !has("ip6 saddr 2001:db8:1::7 accept"),
	   "an address within a granted prefix is not repeated");
	ok(has("@th,64,128 != 0x20010db8000100000000000000000000-0x20010db800010000ffffffffffffffff"),
	   "a NA target in the /64 is the guest's (as a range)");
	ok(has("icmpv6 type nd-router-advert counter drop") &&
		   has("meta protocol ip udp sport 67 counter drop"),
	   "router advertisements and DHCP offers are dropped");
	ok(!strchr(strstr(text, "chain tb3 {") + 11, '{'),
	   "no rule uses a set");
	g.router = 1;
	n = tb_guard_render(&g, text, sizeof(text));
	is_int(n, 22, "router = yes: four rules fewer");
	ok(!has("nd-router-advert") && !has("sport 67") && !has("sport 547"),
	   "... no RA, DHCP or DHCPv6 server drop");
	is_int(tb_guard_render(&g, text, 100), -E2BIG, "a short buffer");
	g.macvtap = 1;
	is_int(tb_guard_render(&g, text, sizeof(text)), -EINVAL,
	       "a macvtap cannot be a bridge port");
	g.bridged = 0;
	ok(tb_guard_render(&g, text, sizeof(text)) > 0 &&
		   has("type filter hook egress device \"tb3\""),
	   "a macvtap's chain hooks its egress");
}

int main(void)
{
	test_check();
	test_render();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
