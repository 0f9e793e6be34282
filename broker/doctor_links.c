// SPDX-License-Identifier: GPL-2.0-or-later
/* doctor's link checks: bridges, taps, macvtaps and the leases they carry. */
#include "doctor.h"
#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TB_STP_DELAY_MAX 200 /* centiseconds: 2 s */
#define TB_REAP_GROUP 0x74627270u /* lease.c: ended taps, deleted soon */
#define TB_ADDR_SET 3 /* NET_ADDR_SET: the MAC was set by hand */

/* bridge-missing: every granted bridge and lower device exists and is up. */
static void tb_doc_granted(struct tb_doctor *d, const struct tb_doc_name *v,
			   size_t n, const char *what)
{
	const struct tb_dump_link *l;
	char fix[TB_DOC_TEXT_MAX];

	for (size_t i = 0; i < n; i++) {
		l = tb_dump_link_by_name(&d->dump, v[i].name);
		if (l && (l->flags & IFF_UP))
			continue;
		if (l)
			snprintf(fix, sizeof(fix), "ip link set dev %s up",
				 v[i].name);
		else if (!strcmp(what, "bridge"))
			snprintf(
				fix, sizeof(fix),
				"ip link add %s type bridge && ip link set dev %s up",
				v[i].name, v[i].name);
		else
			snprintf(fix, sizeof(fix),
				 "bring %s back, or remove it from %s",
				 v[i].name, v[i].rule);
		tb_doc_add(d, TB_SEV_ERROR, "bridge-missing", v[i].name, fix,
			   "%s %s granted by %s %s", what, v[i].name, v[i].rule,
			   l ? "is down" : "does not exist");
	}
}

/* Is link @ifindex the device of a route (link-local ones left out)? */
static int tb_doc_routed_via(const struct tb_doctor *d, int ifindex)
{
	for (size_t i = 0; i < d->dump.nroutes; i++) {
		const struct tb_dump_route *r = &d->dump.routes[i];

		if (tb_doc_route_ignored(r))
			continue;
		for (int j = 0; j < r->noifs; j++)
			if (r->oifs[j] == ifindex)
				return 1;
	}
	return 0;
}

/* tap-not-in-bridge: a VM is attached, and its frames go nowhere. */
static void tb_doc_tap(struct tb_doctor *d, const struct tb_dump_link *l)
{
	struct tb_doc_lease lease;
	const char *br = "BRIDGE";
	char fix[TB_DOC_TEXT_MAX];

	if (strcmp(l->kind, "tun") || !l->carrier || l->master || l->naddrs ||
	    tb_doc_routed_via(d, l->ifindex))
		return;
	if (!tb_doc_lease(l->alias, &lease) && lease.kind == TB_DOC_ROUTED)
		br = NULL; /* its routes are gone: end the lease */
	else if (!tb_doc_lease(l->alias, &lease))
		br = lease.bridge;
	else if (d->grants.nbridges)
		br = d->grants.bridges[0].name;
	if (br)
		snprintf(fix, sizeof(fix), "ip link set dev %s master %s",
			 l->name, br);
	else
		snprintf(fix, sizeof(fix), "ip link del %s", l->name);
	tb_doc_add(
		d, TB_SEV_ERROR, "tap-not-in-bridge", l->name, fix,
		"tap %s has a VM attached (carrier on) but is in no bridge and has no address or route: its traffic goes nowhere",
		l->name);
}

static int tb_doc_mode_of(uint32_t macvlan_mode)
{
	switch (macvlan_mode) {
	case MACVLAN_MODE_PRIVATE:
		return TB_MODE_PRIVATE;
	case MACVLAN_MODE_VEPA:
		return TB_MODE_VEPA;
	case MACVLAN_MODE_BRIDGE:
		return TB_MODE_BRIDGE;
	case MACVLAN_MODE_PASSTHRU:
		return TB_MODE_PASSTHRU;
	case MACVLAN_MODE_SOURCE:
		return TB_MODE_SOURCE;
	default:
		return 0;
	}
}

/* The first mode in @modes (vepa first), for a fix. */
static const char *tb_doc_first_mode(unsigned int modes)
{
	if (modes & (1u << TB_MODE_VEPA))
		return "vepa";
	for (int m = TB_MODE_VEPA; m < TB_MODE_MAX; m++)
		if (modes & (1u << m))
			return tb_macvtap_mode_name(m);
	return "vepa";
}

static const struct tb_doc_name *tb_doc_lower(const struct tb_doctor *d,
					      const char *name)
{
	for (size_t i = 0; i < d->grants.nlowers; i++)
		if (!strcmp(d->grants.lowers[i].name, name))
			return &d->grants.lowers[i];
	return NULL;
}

/* macvtap-mode, for a lease's macvtap: its lower gone, or granted nothing.
 * Return: 1 if it found one. */
static int tb_doc_macvtap_lease(struct tb_doctor *d,
				const struct tb_dump_link *l,
				const struct tb_dump_link *low)
{
	struct tb_doc_lease lease;
	char fix[TB_DOC_TEXT_MAX];

	if (tb_doc_lease(l->alias, &lease) || lease.kind != TB_DOC_MACVTAP)
		return 0;
	snprintf(fix, sizeof(fix), "ip link del %s", l->name);
	if (!low || strcmp(low->name, lease.bridge))
		tb_doc_add(
			d, TB_SEV_ERROR, "macvtap-mode", l->name, fix,
			"lower device %s of the lease on macvtap %s is gone%s%s",
			lease.bridge, l->name, low ? ": it now sits on " : "",
			low ? low->name : "");
	else if (d->pol && !tb_doc_lower(d, low->name))
		tb_doc_add(
			d, TB_SEV_WARNING, "macvtap-mode", l->name, fix,
			"the lease on macvtap %s sits on %s, for which the policy grants no mode at all",
			l->name, low->name);
	else
		return 0;
	return 1;
}

/* macvtap-mode: a mode the policy does not grant, or a lease's lower gone. */
static void tb_doc_macvtap(struct tb_doctor *d, const struct tb_dump_link *l)
{
	const struct tb_dump_link *low = NULL;
	const struct tb_doc_name *g;
	char fix[TB_DOC_TEXT_MAX];
	int mode = tb_doc_mode_of(l->macvlan_mode);

	if (strcmp(l->kind, "macvtap"))
		return;
	if (!l->lower_elsewhere)
		low = tb_dump_link_by_index(&d->dump, l->lower);
	if (tb_doc_macvtap_lease(d, l, low) || !low ||
	    !(g = tb_doc_lower(d, low->name)) ||
	    (mode && (g->modes & (1u << mode))))
		return;
	snprintf(fix, sizeof(fix), "ip link set dev %s type macvtap mode %s",
		 l->name, tb_doc_first_mode(g->modes));
	tb_doc_add(
		d, TB_SEV_WARNING, "macvtap-mode", l->name, fix,
		"macvtap %s on %s is in mode %s, which the policy does not grant for %s (%s)",
		l->name, low->name, mode ? tb_macvtap_mode_name(mode) : "none",
		low->name, g->rule);
}

/* Taps and macvtaps are a VM's; anything else in a bridge is an uplink. */
static int tb_doc_vm_port(const struct tb_dump_link *l)
{
	return !strcmp(l->kind, "tun") || !strcmp(l->kind, "macvtap");
}

/* mtu-mismatch: each port of bridge @br has the bridge's MTU. */
static void tb_doc_mtu(struct tb_doctor *d, const struct tb_dump_link *br)
{
	char fix[TB_DOC_TEXT_MAX];

	for (size_t i = 0; i < d->dump.nlinks; i++) {
		const struct tb_dump_link *p = &d->dump.links[i];

		if (p->master != br->ifindex || p->mtu == br->mtu)
			continue;
		if (tb_doc_vm_port(p) || p->mtu > br->mtu)
			snprintf(fix, sizeof(fix), "ip link set dev %s mtu %u",
				 p->name, br->mtu);
		else
			snprintf(fix, sizeof(fix), "ip link set dev %s mtu %u",
				 br->name, p->mtu);
		tb_doc_add(
			d, TB_SEV_WARNING, "mtu-mismatch", p->name, fix,
			"port %s has MTU %u, its bridge %s %u: frames above %u are dropped",
			p->name, p->mtu, br->name, br->mtu,
			p->mtu < br->mtu ? p->mtu : br->mtu);
	}
}

/* stp-delay: STP on with a long forward delay blocks a new VM's port. */
static void tb_doc_stp(struct tb_doctor *d, const struct tb_dump_link *br)
{
	char fix[TB_DOC_TEXT_MAX];

	if (!br->stp_state || br->forward_delay <= TB_STP_DELAY_MAX)
		return;
	snprintf(fix, sizeof(fix),
		 "ip link set dev %s type bridge forward_delay %u", br->name,
		 TB_STP_DELAY_MAX);
	tb_doc_add(
		d, TB_SEV_WARNING, "stp-delay", br->name, fix,
		"bridge %s runs STP with a forward delay of %u.%02u s: a new VM's port stays blocked for twice that while its DHCP times out",
		br->name, br->forward_delay / 100, br->forward_delay % 100);
}

/* Reads /sys/class/net/@name/@attr as an integer; -1 if it cannot. */
static long tb_doc_sysfs(const char *name, const char *attr)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Does @br's MAC follow its ports?  sysfs knows (NET_ADDR_SET means set by
 * hand) when it shows this namespace; else: is it one of its ports' MACs? */
static int tb_doc_mac_follows(const struct tb_doctor *d,
			      const struct tb_dump_link *br)
{
	long type = tb_doc_sysfs(br->name, "addr_assign_type");

	if (tb_doc_sysfs(br->name, "ifindex") == br->ifindex && type >= 0)
		return type != TB_ADDR_SET;
	for (size_t i = 0; i < d->dump.nlinks; i++)
		if (d->dump.links[i].master == br->ifindex &&
		    !memcmp(d->dump.links[i].mac, br->mac, 6))
			return 1;
	return 0;
}

/* bridge-mac-unpinned: a bridge in use whose MAC follows its ports. */
static void tb_doc_mac(struct tb_doctor *d, const struct tb_dump_link *br)
{
	char fix[TB_DOC_TEXT_MAX];
	const uint8_t *m = br->mac;

	if (!tb_doc_in_use(d, br->name) || !tb_doc_mac_follows(d, br))
		return;
	snprintf(fix, sizeof(fix),
		 "ip link set dev %s address %02x:%02x:%02x:%02x:%02x:%02x",
		 br->name, m[0], m[1], m[2], m[3], m[4], m[5]);
	tb_doc_add(
		d, TB_SEV_WARNING, "bridge-mac-unpinned", br->name, fix,
		"bridge %s takes the lowest MAC of its ports: it changes as VMs come and go (or set their tap's MAC), and the LAN's ARP caches go stale",
		br->name);
}

/* accept-ra: a forwarding bridge that takes router advertisements. */
static void tb_doc_ra(struct tb_doctor *d, const struct tb_dump_link *br)
{
	char fix[TB_DOC_TEXT_MAX];
	int fwd, ra;

	if (!tb_doc_in_use(d, br->name) ||
	    tb_doc_if_sysctl("ipv6", br->name, "forwarding", &fwd) || !fwd ||
	    tb_doc_if_sysctl("ipv6", br->name, "accept_ra", &ra) || ra != 2)
		return;
	snprintf(fix, sizeof(fix), "sysctl -w net.ipv6.conf.%s.accept_ra=0",
		 br->name);
	tb_doc_add(
		d, TB_SEV_WARNING, "accept-ra", br->name, fix,
		"bridge %s forwards IPv6 and still accepts router advertisements (accept_ra=2): a guest's RA on it sets this host's routes",
		br->name);
}

/* A name the broker gives (tbN, tbmN), as lease.c knows them. */
static int tb_doc_broker_name(const char *name)
{
	const char *s = name + 2 + (name[2] == 'm');

	return !strncmp(name, "tb", 2) && *s &&
	       strspn(s, "0123456789") == strlen(s);
}

/* orphan-interface: a broker's tap that no VM holds and nothing cleans. */
static int tb_doc_orphan(struct tb_doctor *d, const struct tb_dump_link *l,
			 const struct tb_doc_lease *lease, int leased)
{
	char fix[TB_DOC_TEXT_MAX];

	if (l->group == TB_REAP_GROUP)
		return 0; /* being deleted */
	if (leased && (lease->kind == TB_DOC_MACVTAP ||
		       lease->kind == TB_DOC_ADOPTED || l->carrier))
		return 0;
	if (!leased && (l->alias[0] || l->master ||
			!tb_doc_broker_name(l->name) || !tb_doc_vm_port(l)))
		return 0; /* an unnamed tbN in a bridge may be a pool's */
	snprintf(fix, sizeof(fix), "ip link del %s", l->name);
	if (leased)
		tb_doc_add(
			d, TB_SEV_WARNING, "orphan-interface", l->name, fix,
			"%s carries a tapbroker lease (uid %u) but no VM holds it (carrier off) and no broker removed it",
			l->name, lease->uid);
	else
		tb_doc_add(
			d, TB_SEV_WARNING, "orphan-interface", l->name, fix,
			"%s was made by a broker (its name) but carries no lease: no broker handed it out or removed it",
			l->name);
	return 1;
}

/* lease-vm-gone: the VM a lease names has exited (or its pid was reused). */
static void tb_doc_vm(struct tb_doctor *d, const struct tb_dump_link *l,
		      const struct tb_doc_lease *lease)
{
	char fix[TB_DOC_TEXT_MAX];
	struct tb_proc p;
	int gone;

	if (lease->vm <= 0)
		return;
	gone = tb_proc_read(lease->vm, &p) != 0;
	if (!gone && (!lease->has_start || p.start == lease->start))
		return;
	if (lease->kind == TB_DOC_ADOPTED)
		snprintf(fix, sizeof(fix), "tapbroker release %s", l->name);
	else
		snprintf(fix, sizeof(fix), "ip link del %s", l->name);
	tb_doc_add(d, TB_SEV_WARNING, "lease-vm-gone", l->name, fix,
		   "the lease on %s (uid %u) names VM %d, which %s", l->name,
		   lease->uid, lease->vm,
		   gone ? "has exited"
			: "has exited (its pid now runs another program)");
}

/**
 * tb_doc_links() - the link checks: bridge-missing, tap-not-in-bridge,
 * macvtap-mode, mtu-mismatch, stp-delay, bridge-mac-unpinned, accept-ra,
 * orphan-interface, lease-vm-gone
 */
void tb_doc_links(struct tb_doctor *d)
{
	struct tb_doc_lease lease;
	int leased;

	tb_doc_granted(d, d->grants.bridges, d->grants.nbridges, "bridge");
	tb_doc_granted(d, d->grants.lowers, d->grants.nlowers,
		       "macvtap lower device");
	for (size_t i = 0; i < d->dump.nlinks; i++) {
		const struct tb_dump_link *l = &d->dump.links[i];

		if (!strcmp(l->kind, "bridge")) {
			tb_doc_mtu(d, l);
			tb_doc_stp(d, l);
			tb_doc_mac(d, l);
			tb_doc_ra(d, l);
			continue;
		}
		tb_doc_tap(d, l);
		tb_doc_macvtap(d, l);
		leased = !tb_doc_lease(l->alias, &lease);
		if (!tb_doc_orphan(d, l, &lease, leased) && leased)
			tb_doc_vm(d, l, &lease);
	}
}
