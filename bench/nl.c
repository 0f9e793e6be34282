// SPDX-License-Identifier: GPL-2.0-or-later
/* Raw rtnetlink and SIOC* calls the bench makes in its own namespace. */
#include "bench.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * No libnl here on purpose: the in-process floor must be the cheapest
 * honest way to talk to the kernel, one message and one ack per change,
 * with nothing between the caller and the socket.
 */

#define BN_NL_BUF 32768
#define BN_MAX_PORTS 8192

struct bn_nl_req {
	struct nlmsghdr h;
	struct ifinfomsg i;
	char attrs[256];
};

static uint32_t bn_nl_seq;

int bn_nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? -errno : fd;
}

static void bn_nl_init(struct bn_nl_req *r, int type, int flags, int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(r->i));
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	r->h.nlmsg_seq = ++bn_nl_seq;
	r->i.ifi_family = AF_UNSPEC;
	r->i.ifi_index = ifindex;
}

static void bn_nl_attr(struct bn_nl_req *r, int type, const void *data,
		       size_t len)
{
	struct rtattr *a =
		(struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* The one reply we wait for: an ifinfomsg (copied to @link) or the ack. */
static int bn_nl_reply(int nl, uint32_t seq, void *link, size_t linklen)
{
	char buf[BN_NL_BUF];
	struct nlmsghdr *h;
	ssize_t n;

	for (;;) {
		n = recv(nl, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (link && h->nlmsg_type == RTM_NEWLINK)
				memcpy(link, h,
				       h->nlmsg_len < linklen ? h->nlmsg_len
							      : linklen);
		}
	}
}

static int bn_nl_talk(int nl, struct bn_nl_req *r, void *link, size_t linklen)
{
	r->h.nlmsg_flags |= NLM_F_ACK;
	if (send(nl, r, r->h.nlmsg_len, 0) < 0)
		return -errno;
	return bn_nl_reply(nl, r->h.nlmsg_seq, link, linklen);
}

/**
 * bn_nl_setlink() - change @ifindex in one RTM_NEWLINK, and wait for the ack
 * @mtu:	new MTU, or 0
 * @mac:	new address (6 bytes), or NULL
 * @master:	bridge to join, or 0
 * @group:	device group, or -1
 * Return: 0, or -errno.
 */
int bn_nl_setlink(int nl, int ifindex, unsigned int mtu, const uint8_t *mac,
		  int master, int group)
{
	struct bn_nl_req r;

	bn_nl_init(&r, RTM_NEWLINK, 0, ifindex);
	if (mac)
		bn_nl_attr(&r, IFLA_ADDRESS, mac, 6);
	if (mtu)
		bn_nl_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
	if (master)
		bn_nl_attr(&r, IFLA_MASTER, &master, sizeof(master));
	if (group >= 0)
		bn_nl_attr(&r, IFLA_GROUP, &group, sizeof(group));
	return bn_nl_talk(nl, &r, NULL, 0);
}

/* Sets IFF_UP on @ifindex; Return: 0, or -errno. */
int bn_nl_up(int nl, int ifindex)
{
	struct bn_nl_req r;

	bn_nl_init(&r, RTM_NEWLINK, 0, ifindex);
	r.i.ifi_flags = IFF_UP;
	r.i.ifi_change = IFF_UP;
	return bn_nl_talk(nl, &r, NULL, 0);
}

/* Finds the u32 attribute @type of a link message; 0 if it is absent. */
static unsigned int bn_nl_u32(struct nlmsghdr *h, int type)
{
	struct ifinfomsg *i = NLMSG_DATA(h);
	struct rtattr *a = IFLA_RTA(i);
	int len = IFLA_PAYLOAD(h);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return *(unsigned int *)RTA_DATA(a);
	return 0;
}

/**
 * bn_nl_getlink() - look link @name up by name (RTM_GETLINK, no dump)
 *
 * The same request tapbroker makes for the bridge before each tap.
 * Return: 0, or -errno.
 */
int bn_nl_getlink(int nl, const char *name, int *ifindex, unsigned int *mtu)
{
	union {
		struct nlmsghdr h;
		char buf[BN_NL_BUF];
	} link = {.h.nlmsg_len = 0};
	struct bn_nl_req r;
	int err;

	bn_nl_init(&r, RTM_GETLINK, 0, 0);
	bn_nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	err = bn_nl_talk(nl, &r, &link, sizeof(link));
	if (err)
		return err;
	if (!link.h.nlmsg_len)
		return -ENODEV;
	*ifindex = ((struct ifinfomsg *)NLMSG_DATA(&link.h))->ifi_index;
	*mtu = bn_nl_u32(&link.h, IFLA_MTU);
	return 0;
}

/**
 * bn_nl_del() - delete link @ifindex, or every link of @group
 * @ifindex:	the link, or 0 to delete by @group
 * @group:	used when @ifindex is 0
 *
 * A group goes in one RTM_DELLINK: the kernel unregisters its links as one
 * batch, so the RCU waits of a teardown are paid once per batch, not once
 * per tap.
 * Return: 0 (also when the group is empty), or -errno.
 */
int bn_nl_del(int nl, int ifindex, int group)
{
	struct bn_nl_req r;
	int err;

	bn_nl_init(&r, RTM_DELLINK, 0, ifindex);
	if (!ifindex)
		bn_nl_attr(&r, IFLA_GROUP, &group, sizeof(group));
	err = bn_nl_talk(nl, &r, NULL, 0);
	return err == -ENODEV && !ifindex ? 0 : err;
}

#define BN_IFF_LOWER_UP 0x10000 /* <linux/if.h>'s, clashes with <net/if.h> */

/* Dumps all links; stores those whose master is @master, group 0, and
 * that have a carrier (@up) or not (!@up): the measured taps have one
 * (their fd is held), the broker's warm-pool taps none. */
static int bn_nl_ports(int nl, int master, int up, int *idx, unsigned int max)
{
	char buf[BN_NL_BUF];
	struct bn_nl_req r;
	struct nlmsghdr *h;
	unsigned int n = 0;
	ssize_t len;

	bn_nl_init(&r, RTM_GETLINK, NLM_F_DUMP, 0);
	if (send(nl, &r, r.h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		len = recv(nl, buf, sizeof(buf), 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return (int)n;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == RTM_NEWLINK && n < max &&
			    (int)bn_nl_u32(h, IFLA_MASTER) == master &&
			    !bn_nl_u32(h, IFLA_GROUP) &&
			    !(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_flags &
			      BN_IFF_LOWER_UP) == !up)
				idx[n++] = ((struct ifinfomsg *)NLMSG_DATA(h))
						   ->ifi_index;
		}
	}
}

/**
 * bn_nl_regroup_ports() - put every group-0 port of @master in BN_GROUP_REAP
 *
 * Marks the taps the measurements made (the filling taps are in
 * BN_GROUP_FILL; the broker's warm pool, with no carrier, is left alone)
 * bn_nl_del() removes them in one batch.
 * Return: the number of ports marked, or -errno.
 */
int bn_nl_regroup_ports(int nl, int master)
{
	static int idx[BN_MAX_PORTS];
	int n, i, err;

	n = bn_nl_ports(nl, master, 1, idx, BN_MAX_PORTS);
	for (i = 0; i < n; i++) {
		err = bn_nl_setlink(nl, idx[i], 0, NULL, 0, BN_GROUP_REAP);
		if (err && err != -ENODEV)
			return err;
	}
	return n;
}

/* @master's group-0 ports with no carrier: the warm pool's taps. */
int bn_nl_pool_count(int nl, int master)
{
	static int idx[BN_MAX_PORTS];

	return bn_nl_ports(nl, master, 0, idx, BN_MAX_PORTS);
}

/* SIOCGIFINDEX on @name; Return: the ifindex, or -errno. */
int bn_ifindex(int ctl, const char *name)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	return ioctl(ctl, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.ifr_ifindex;
}

/* SIOCGIFFLAGS then SIOCSIFFLAGS with IFF_UP; Return: 0, or -errno. */
int bn_if_up(int ctl, const char *name)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}
