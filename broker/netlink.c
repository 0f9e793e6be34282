// SPDX-License-Identifier: GPL-2.0-or-later
/* What happens to the kernel's network state (links, addresses, routes,
 * neighbours, nexthops): one rtnetlink socket, one call each. */
#include "broker.h"
#include "tenant.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <linux/if_bridge.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link/macvtap.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "prefix.h"
#include "vlan.h"

/*
 * One long-lived NETLINK_ROUTE socket serves every request.  Lookups ask for
 * one link by name (RTM_GETLINK with IFLA_IFNAME), never for a dump, so the
 * cost of a request does not grow with the number of interfaces.  Every
 * request goes through one send-and-ack path, tb_nl_talk(), which waits
 * for the kernel's ack and returns the kernel's own errno.
 */
#define TB_NL_BUF 65536

#define TB_NL_BRIDGES_MAX 16 /* bridges whose ifindex and MTU are kept */

struct tb_nl {
	struct nl_sock *sk;
	struct nl_sock *events; /* RTNLGRP_LINK: which links went away */
	tb_nl_link_fn changed;
	void *changed_arg;
	/* tb_nl_bridge_cached(): kept while the link events say nothing */
	struct {
		char name[IFNAMSIZ];
		struct tb_bridge_info info;
	} bridges[TB_NL_BRIDGES_MAX];
	unsigned int nbridges, next;
};

/* libnl's error codes, back to errno values for the caller. */
static int tb_nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BAD_SOCK:
		return -EBADF;
	default: /* a libnl-side failure with no kernel errno behind it */
		return -EIO;
	}
}

struct tb_nl_talk_ctx {
	int err; /* the kernel's -errno from its NLMSG_ERROR, or 0 */
	int done;
};

static int tb_nl_talk_err(struct sockaddr_nl *who, struct nlmsgerr *e,
			  void *arg)
{
	struct tb_nl_talk_ctx *t = arg;

	(void)who;
	t->err = e->error;
	t->done = 1;
	return NL_STOP;
}

static int tb_nl_talk_done(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct tb_nl_talk_ctx *)arg)->done = 1;
	return NL_STOP;
}

/* A copy of the socket's callbacks (nl_socket_get_cb() takes a reference,
 * given back here). */
static struct nl_cb *tb_nl_cb_clone(struct tb_nl *nl)
{
	struct nl_cb *orig = nl_socket_get_cb(nl->sk);
	struct nl_cb *cb = orig ? nl_cb_clone(orig) : NULL;

	nl_cb_put(orig);
	return cb;
}

/**
 * tb_nl_talk() - the one send-and-ack path
 * @msg:	the request, freed here (NULL: out of memory)
 * @valid:	called with each answer (a get or a dump), or NULL
 *
 * Sends @msg with NLM_F_ACK and reads until the kernel's ack, its error,
 * or the end of a dump.  The kernel's errno is kept as it sent it.
 * Return: 0, the kernel's -errno, or -errno of a local failure.
 */
static int tb_nl_talk(struct tb_nl *nl, struct nl_msg *msg,
		      nl_recvmsg_msg_cb_t valid, void *arg)
{
	struct tb_nl_talk_ctx t = {0, 0};
	struct nl_cb *cb = msg ? tb_nl_cb_clone(nl) : NULL;
	int err = -NLE_NOMEM;

	if (cb) {
		nl_cb_err(cb, NL_CB_CUSTOM, tb_nl_talk_err, &t);
		nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, tb_nl_talk_done, &t);
		nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, tb_nl_talk_done, &t);
		if (valid)
			nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid, arg);
		err = nl_send_auto(nl->sk, msg); /* adds NLM_F_ACK */
		while (err >= 0 && !t.done)
			err = nl_recvmsgs(nl->sk, cb);
		nl_cb_put(cb);
	}
	nlmsg_free(msg);
	if (t.err)
		return t.err;
	return err < 0 ? tb_nl_errno(err) : 0;
}

/**
 * tb_nl_open() - open the broker's rtnetlink socket
 * Return: 0, or -errno.
 */
int tb_nl_open(struct tb_nl **out)
{
	struct tb_nl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	err = nl_connect(nl->sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		return tb_nl_errno(err);
	}
	/* one recvmsg() per answer, not a MSG_PEEK first: a buffer of
	 * TB_NL_BUF takes the kernel's largest dump part (32 KiB) whole */
	nl_socket_disable_msg_peek(nl->sk);
	nl_socket_set_msg_buf_size(nl->sk, TB_NL_BUF);
	*out = nl;
	return 0;
}

void tb_nl_close(struct tb_nl *nl)
{
	if (!nl)
		return;
	if (nl->events)
		nl_socket_free(nl->events);
	nl_socket_free(nl->sk);
	free(nl);
}

/**
 * tb_nl_bridge_get() - find bridge @name, its ifindex and MTU
 *
 * Return: 0; -ENODEV if there is no such link; -EMEDIUMTYPE if the link is
 * not a bridge; another -errno on failure.  @why says which, in one line.
 */
int tb_nl_bridge_get(struct tb_nl *nl, const char *name,
		     struct tb_bridge_info *br, char *why, size_t whylen)
{
	struct rtnl_link *link = NULL;
	const char *type;
	int err;

	err = rtnl_link_get_kernel(nl->sk, 0, name, &link);
	if (err < 0) {
		err = tb_nl_errno(err);
		if (err == -ENODEV)
			snprintf(
				why, whylen,
				"bridge %s does not exist (create it first: ip link add %s type bridge)",
				name, name);
		else
			snprintf(why, whylen, "cannot look up bridge %s: %s",
				 name, strerror(-err));
		return err;
	}
	type = rtnl_link_get_type(link);
	if (!type || strcmp(type, "bridge")) {
		snprintf(
			why, whylen,
			"%s is not a bridge (it is a %s device); name a Linux bridge",
			name, type ? type : "plain");
		rtnl_link_put(link);
		return -EMEDIUMTYPE;
	}
	br->ifindex = rtnl_link_get_ifindex(link);
	br->mtu = rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return 0;
}

/**
 * tb_nl_bridge_cached() - tb_nl_bridge_get(), from what the events keep
 *
 * A request's bridge lookup without a round trip: a bridge found once is
 * kept (name, ifindex, MTU) until a link event says it was deleted,
 * renamed or moved away (tb_nl_bridge_event()); an MTU change updates it;
 * lost events (ENOBUFS) forget them all.  The kernel queues a link's event
 * on the event socket before the change's own system call returns, so a
 * caller that has just read every pending event (tb_nl_events_read())
 * gets what a lookup would have: never a bridge's old ifindex, or another
 * device's.  Without the event socket it is tb_nl_bridge_get().
 * Return: as tb_nl_bridge_get().
 */
int tb_nl_bridge_cached(struct tb_nl *nl, const char *name,
			struct tb_bridge_info *br, char *why, size_t whylen)
{
	unsigned int i;
	int err;

	for (i = 0; i < nl->nbridges; i++)
		if (!strcmp(nl->bridges[i].name, name)) {
			*br = nl->bridges[i].info;
			return 0;
		}
	err = tb_nl_bridge_get(nl, name, br, why, whylen);
	if (err || !nl->events || strlen(name) >= IFNAMSIZ)
		return err;
	if (nl->nbridges < TB_NL_BRIDGES_MAX)
		i = nl->nbridges++;
	else
		i = nl->next++ % TB_NL_BRIDGES_MAX;
	memcpy(nl->bridges[i].name, name, strlen(name) + 1);
	nl->bridges[i].info = *br;
	return 0;
}

/* A link event for @ifindex (@tb: its attributes, NULL if deleted): a kept
 * bridge is forgotten unless it is still there under its name. */
static void tb_nl_bridge_event(struct tb_nl *nl, int ifindex,
			       struct nlattr **tb)
{
	for (unsigned int i = 0; i < nl->nbridges; i++) {
		if (nl->bridges[i].info.ifindex != ifindex)
			continue;
		if (tb && tb[IFLA_IFNAME] &&
		    !nla_strcmp(tb[IFLA_IFNAME], nl->bridges[i].name)) {
			if (tb[IFLA_MTU])
				nl->bridges[i].info.mtu =
					nla_get_u32(tb[IFLA_MTU]);
			continue;
		}
		nl->bridges[i] = nl->bridges[--nl->nbridges];
		i--;
	}
}

static int tb_nl_change(struct tb_nl *nl, int ifindex,
			struct rtnl_link *changes)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err;

	if (!orig)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	err = rtnl_link_build_change_request(orig, changes, 0, &msg);
	rtnl_link_put(orig);
	return err < 0 ? tb_nl_errno(err) : tb_nl_talk(nl, msg, NULL, NULL);
}

/**
 * tb_nl_link_config() - alias, MAC, MTU and (if @master) bridge of a link
 *
 * A tap joins bridge @master still down; a macvtap or routed tap (@master
 * 0) joins nothing.  MAC address, MTU, master and the lease's ifalias go
 * in one message, so a port joins its bridge already at the bridge's MTU
 * and never lowers it.  "Up" (tb_nl_link_up()) comes last, after any VLAN settings: the
 * kernel applies flags before master, and a tap must never be up outside
 * its bridge, or in the wrong VLAN.
 *
 * Return: 0, or -errno.
 */
int tb_nl_link_config(struct tb_nl *nl, int ifindex, int master,
		      unsigned int mtu, const uint8_t mac[6], const char *alias)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	struct nl_addr *addr = mac ? nl_addr_build(AF_LLC, mac, 6) : NULL;
	int err = -ENOMEM;

	if (chg && (addr || !mac)) { /* no @mac: an adopted tap keeps its own */
		rtnl_link_set_ifalias(chg, alias);
		if (addr)
			rtnl_link_set_addr(chg, addr);
		rtnl_link_set_mtu(chg, mtu);
		if (master > 0) /* 0: a routed tap, in no bridge */
			rtnl_link_set_master(chg, master);
		err = tb_nl_change(nl, ifindex, chg);
	}
	nl_addr_put(addr);
	rtnl_link_put(chg);
	return err;
}

/* IFLA_TUN_OWNER inside @linkinfo (IFLA_INFO_DATA of a tun), or -1. */
static uint32_t tb_nl_tun_owner(struct nlattr *linkinfo)
{
	struct nlattr *li[IFLA_INFO_MAX + 1], *tun[IFLA_TUN_MAX + 1];

	if (!linkinfo || nla_parse_nested(li, IFLA_INFO_MAX, linkinfo, NULL) ||
	    !li[IFLA_INFO_DATA] ||
	    nla_parse_nested(tun, IFLA_TUN_MAX, li[IFLA_INFO_DATA], NULL) ||
	    !tun[IFLA_TUN_OWNER])
		return (uint32_t)-1;
	return nla_get_u32(tun[IFLA_TUN_OWNER]);
}

static int tb_nl_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct tb_nl *nl = arg;
	struct ifinfomsg *ifi;
	uint32_t owner = (uint32_t)-1;
	int carrier = -1;

	if ((h->nlmsg_type != RTM_DELLINK && h->nlmsg_type != RTM_NEWLINK) ||
	    !nlmsg_valid_hdr(h, sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(h);
	/* AF_BRIDGE: about a bridge port, not the device itself */
	if (ifi->ifi_family != AF_UNSPEC)
		return NL_OK;
	if (h->nlmsg_type == RTM_NEWLINK &&
	    !nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL)) {
		if (tb[IFLA_CARRIER])
			carrier = nla_get_u8(tb[IFLA_CARRIER]);
		owner = tb_nl_tun_owner(tb[IFLA_LINKINFO]);
		tb_nl_bridge_event(nl, ifi->ifi_index, tb);
	} else {
		tb_nl_bridge_event(nl, ifi->ifi_index, NULL);
	}
	nl->changed(nl->changed_arg, ifi->ifi_index,
		    h->nlmsg_type == RTM_DELLINK, carrier, owner);
	return NL_OK;
}

/**
 * tb_nl_events_open() - subscribe to link changes and deletions
 * @changed:	called for each: ifindex, deleted or not, carrier (or -1),
 *		and a tun device's owner (or (uint32_t)-1): a holder can
 *		change it (TUNSETOWNER), and the kernel then tells
 *
 * Return: the socket's fd, to poll for input, or -errno.
 */
int tb_nl_events_open(struct tb_nl *nl, tb_nl_link_fn changed, void *arg)
{
	int err;

	nl->events = nl_socket_alloc();
	if (!nl->events)
		return -ENOMEM;
	nl->changed = changed;
	nl->changed_arg = arg;
	nl_socket_disable_seq_check(nl->events);
	nl_socket_modify_cb(nl->events, NL_CB_VALID, NL_CB_CUSTOM, tb_nl_event,
			    nl);
	err = nl_connect(nl->events, NETLINK_ROUTE);
	if (!err)
		err = nl_socket_add_membership(nl->events, RTNLGRP_LINK);
	if (!err)
		err = nl_socket_set_nonblocking(nl->events);
	if (!err) { /* as tb_nl_open(): one recvmsg() per batch */
		nl_socket_disable_msg_peek(nl->events);
		err = nl_socket_set_msg_buf_size(nl->events, TB_NL_BUF);
	}
	if (!err)
		err = nl_socket_set_buffer_size(nl->events, 1 << 20, 0);
	if (err < 0)
		return tb_nl_errno(err);
	return nl_socket_get_fd(nl->events);
}

/**
 * tb_nl_events_read() - handle every pending link event
 *
 * Return: 0; -ENOBUFS if events were lost (the caller must resync);
 * another -errno on failure.
 */
int tb_nl_events_read(struct tb_nl *nl)
{
	int err;

	do
		err = nl_recvmsgs_default(nl->events);
	while (err >= 0);
	if (err == -NLE_AGAIN)
		return 0;
	nl->nbridges = 0; /* events may be lost: look bridges up again */
	return err == -NLE_NOMEM ? -ENOBUFS : tb_nl_errno(err);
}

/* Carrier of link @ifindex (a tap's: an fd is attached): 1, 0, or -ENODEV. */
int tb_nl_link_carrier(struct tb_nl *nl, int ifindex)
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(nl->sk, ifindex, NULL, &link);

	if (err < 0)
		return tb_nl_errno(err);
	err = rtnl_link_get_carrier(link) ? 1 : 0;
	rtnl_link_put(link);
	return err;
}

/* Puts link @ifindex in link group @group (cheap: no RTNL-long waits). */
int tb_nl_link_group(struct tb_nl *nl, int ifindex, uint32_t group)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int err;

	if (!chg)
		return -ENOMEM;
	rtnl_link_set_group(chg, group);
	err = tb_nl_change(nl, ifindex, chg);
	rtnl_link_put(chg);
	return err;
}

/**
 * tb_nl_group_del() - delete every link in link group @group at once
 *
 * One RTM_DELLINK with IFLA_GROUP: the kernel unregisters them together,
 * paying its RCU grace periods once for the batch rather than per device.
 * libnl has no call for it, so the message is built here.
 * Return: 0 (also when the group is empty), or -errno.
 */
int tb_nl_group_del(struct tb_nl *nl, uint32_t group)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	int err = -NLE_NOMEM;

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) >= 0 &&
	    nla_put_u32(msg, IFLA_GROUP, group) >= 0)
		err = tb_nl_talk(nl, msg, NULL, NULL);
	else
		nlmsg_free(msg);
	if (err == -ENODEV || err == -ENOENT) /* an empty group */
		return 0;
	return err == -NLE_NOMEM ? -ENOMEM : err;
}

struct tb_nl_scan_ctx {
	tb_nl_scan_fn fn;
	void *arg;
};

static void tb_nl_scan_one(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;
	struct tb_nl_scan_ctx *c = arg;
	const char *alias = rtnl_link_get_ifalias(link);

	c->fn(c->arg, rtnl_link_get_ifindex(link), rtnl_link_get_name(link),
	      alias ? alias : "", rtnl_link_get_mtu(link),
	      rtnl_link_get_carrier(link));
}

/**
 * tb_nl_scan() - call @fn for every link, with its ifalias ("" if none)
 *
 * One dump, at start-up only: how a restarted broker finds its leases.
 * Return: 0, or -errno.
 */
int tb_nl_scan(struct tb_nl *nl, tb_nl_scan_fn fn, void *arg)
{
	struct tb_nl_scan_ctx c = {fn, arg};
	struct nl_cache *cache;
	int err = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);

	if (err < 0)
		return tb_nl_errno(err);
	nl_cache_foreach(cache, tb_nl_scan_one, &c);
	nl_cache_free(cache);
	return 0;
}

/* Deletes link @ifindex (an admin's release). */
int tb_nl_link_del(struct tb_nl *nl, int ifindex)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	err = rtnl_link_build_delete_request(link, &msg);
	rtnl_link_put(link);
	return err < 0 ? tb_nl_errno(err) : tb_nl_talk(nl, msg, NULL, NULL);
}

/**
 * tb_nl_link_get() - ifindex and MTU of link @name (any kind)
 * Return: 0, -ENODEV, or another -errno.
 */
int tb_nl_link_get(struct tb_nl *nl, const char *name, int *ifindex,
		   unsigned int *mtu)
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(nl->sk, 0, name, &link);

	if (err < 0)
		return tb_nl_errno(err);
	*ifindex = rtnl_link_get_ifindex(link);
	*mtu = rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return 0;
}

/* The name of link @ifindex (for a message): 0, or -errno. */
int tb_nl_link_name(struct tb_nl *nl, int ifindex, char name[IFNAMSIZ])
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(nl->sk, ifindex, NULL, &link);

	if (err < 0)
		return tb_nl_errno(err);
	snprintf(name, IFNAMSIZ, "%s", rtnl_link_get_name(link));
	rtnl_link_put(link);
	return 0;
}

static const uint32_t tb_nl_modes[TB_MODE_MAX] = {
	[TB_MODE_VEPA] = MACVLAN_MODE_VEPA,
	[TB_MODE_BRIDGE] = MACVLAN_MODE_BRIDGE,
	[TB_MODE_PRIVATE] = MACVLAN_MODE_PRIVATE,
	[TB_MODE_PASSTHRU] = MACVLAN_MODE_PASSTHRU,
	[TB_MODE_SOURCE] = MACVLAN_MODE_SOURCE,
};

/**
 * tb_nl_macvtap_add() - create macvtap @name on @lower, down
 *
 * MAC, MTU and mode are set in the creating message (NLM_F_CREATE |
 * NLM_F_EXCL); the ifalias follows with "up" (tb_nl_link_up()), since the
 * kernel does not take it at creation.  @ifindex: the index it must have,
 * or 0 for the kernel's next.
 * Return: 0, -EEXIST if @name (or @ifindex) is taken, or another -errno.
 */
int tb_nl_macvtap_add(struct tb_nl *nl, const char *name, int ifindex,
		      int lower, int mode, unsigned int mtu,
		      const uint8_t mac[6])
{
	struct rtnl_link *link = rtnl_link_macvtap_alloc();
	struct nl_addr *addr = nl_addr_build(AF_LLC, mac, 6);
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	if (link && addr) {
		rtnl_link_set_name(link, name);
		if (ifindex > 0) /* else the kernel's choice */
			rtnl_link_set_ifindex(link, ifindex);
		rtnl_link_set_link(link, lower);
		rtnl_link_set_addr(link, addr);
		rtnl_link_set_mtu(link, mtu);
		rtnl_link_macvtap_set_mode(link, tb_nl_modes[mode]);
		err = rtnl_link_build_add_request(
			link, NLM_F_CREATE | NLM_F_EXCL, &msg);
		err = err < 0 ? tb_nl_errno(err)
			      : tb_nl_talk(nl, msg, NULL, NULL);
	}
	nl_addr_put(addr);
	rtnl_link_put(link);
	return err;
}

/* Sets link @ifindex up, with @alias (the kernel ignores IFLA_IFALIAS when
 * it creates a link, so it goes here). */
int tb_nl_link_up(struct tb_nl *nl, int ifindex, const char *alias)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int err;

	if (!chg)
		return -ENOMEM;
	rtnl_link_set_ifalias(chg, alias);
	rtnl_link_set_flags(chg, IFF_UP);
	err = tb_nl_change(nl, ifindex, chg);
	rtnl_link_put(chg);
	return err;
}

struct tb_nl_brinfo {
	int filtering;
	unsigned int default_pvid;
};

static int tb_nl_brinfo_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr *br[IFLA_BR_MAX + 1];
	struct tb_nl_brinfo *info = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb, IFLA_MAX,
			NULL) ||
	    !tb[IFLA_LINKINFO] ||
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) ||
	    !li[IFLA_INFO_DATA] ||
	    nla_parse_nested(br, IFLA_BR_MAX, li[IFLA_INFO_DATA], NULL))
		return NL_OK;
	if (br[IFLA_BR_VLAN_FILTERING])
		info->filtering = nla_get_u8(br[IFLA_BR_VLAN_FILTERING]);
	if (br[IFLA_BR_VLAN_DEFAULT_PVID])
		info->default_pvid = nla_get_u16(br[IFLA_BR_VLAN_DEFAULT_PVID]);
	return NL_OK;
}

/**
 * tb_nl_bridge_vlans() - does bridge @ifindex filter VLANs, and its PVID?
 *
 * libnl 3.7 does not parse a bridge's IFLA_INFO_DATA: the attributes are
 * read here from the RTM_GETLINK answer.
 * Return: 0 with @filtering and @default_pvid set, or -errno.
 */
int tb_nl_bridge_vlans(struct tb_nl *nl, int ifindex, int *filtering,
		       unsigned int *default_pvid)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct tb_nl_brinfo info = {0, 0};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	int err;

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	err = tb_nl_talk(nl, msg, tb_nl_brinfo_cb, &info);
	if (err)
		return err;
	*filtering = info.filtering;
	*default_pvid = info.default_pvid;
	return 0;
}

static int tb_nl_vlan_put(struct nl_msg *msg, uint16_t flags, uint16_t vid)
{
	struct bridge_vlan_info v = {.flags = flags, .vid = vid};

	return nla_put(msg, IFLA_BRIDGE_VLAN_INFO, sizeof(v), &v);
}

/* One AF_BRIDGE message adding (RTM_SETLINK) or removing (RTM_DELLINK)
 * the VLANs of @set on port @ifindex, @pvid with PVID|UNTAGGED. */
static int tb_nl_vlan_msg(struct tb_nl *nl, int type, int ifindex,
			  const struct tb_vlan_set *set, unsigned int pvid)
{
	struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(type, 0);
	struct nlattr *spec;
	int err = -NLE_NOMEM;

	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(spec = nla_nest_start(msg, IFLA_AF_SPEC)))
		goto out;
	err = pvid ? tb_nl_vlan_put(msg,
				    BRIDGE_VLAN_INFO_PVID |
					    BRIDGE_VLAN_INFO_UNTAGGED,
				    (uint16_t)pvid)
		   : 0;
	for (unsigned int v = TB_VLAN_MIN; set && !err && v <= TB_VLAN_MAX; v++)
		if (v != pvid && tb_vlan_has(set, v))
			err = tb_nl_vlan_put(msg, 0, (uint16_t)v);
	if (err < 0)
		goto out;
	nla_nest_end(msg, spec);
	return tb_nl_talk(nl, msg, NULL, NULL);
out:
	nlmsg_free(msg);
	return err < 0 ? tb_nl_errno(err) : -ENOMEM;
}

/**
 * tb_nl_port_vlans() - make port @ifindex an access, trunk or hybrid port
 * @access:	untagged PVID, or 0
 * @tagged:	tagged VLANs, or NULL
 * @drop:	the bridge's default PVID, given to every new port: removed
 *		unless asked for (0: nothing to remove)
 *
 * Built by hand (libnl 3.7 has no bridge VLAN setters; 3.10 does).
 * Return: 0, or -errno.
 */
int tb_nl_port_vlans(struct tb_nl *nl, int ifindex, unsigned int access,
		     const struct tb_vlan_set *tagged, unsigned int drop)
{
	struct tb_vlan_set del = {0};
	int err = 0;

	if (drop && drop != access && !(tagged && tb_vlan_has(tagged, drop))) {
		tb_vlan_add(&del, drop);
		err = tb_nl_vlan_msg(nl, RTM_DELLINK, ifindex, &del, 0);
	}
	if (!err)
		err = tb_nl_vlan_msg(nl, RTM_SETLINK, ifindex, tagged, access);
	return err;
}

static struct nl_addr *tb_nl_prefix(const struct tb_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr,
					  p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, (int)p->len);
	return a;
}

/* Sends route @r as RTM_NEWROUTE with @flags; 0 or the kernel's -errno. */
static int tb_nl_route_send(struct tb_nl *nl, struct rtnl_route *r, int flags)
{
	struct nl_msg *msg = NULL;
	int err = rtnl_route_build_add_request(r, flags, &msg);

	return err < 0 ? tb_nl_errno(err) : tb_nl_talk(nl, msg, NULL, NULL);
}

/**
 * tb_nl_route_add() - a host route to @dst via link @ifindex
 *
 * In table @table only, with metric @metric, scope link, protocol static;
 * NLM_F_EXCL, so an existing route (another lease's) is never replaced.
 * Return: 0, -EEXIST, or another -errno.
 */
int tb_nl_route_add(struct tb_nl *nl, int ifindex, const struct tb_prefix *dst,
		    uint32_t table, uint32_t metric)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *a = tb_nl_prefix(dst);
	int err = -ENOMEM;

	if (r && nh && a) {
		rtnl_route_set_family(r, (uint8_t)dst->family);
		rtnl_route_set_dst(r, a);
		rtnl_route_set_table(r, table);
		rtnl_route_set_priority(r, metric);
		rtnl_route_set_scope(r, RT_SCOPE_LINK);
		rtnl_route_set_protocol(r, RTPROT_STATIC);
		rtnl_route_nh_set_ifindex(nh, ifindex);
		rtnl_route_add_nexthop(r, nh);
		nh = NULL; /* the route owns it now */
		err = tb_nl_route_send(nl, r, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(a);
	rtnl_route_put(r);
	return err;
}

/**
 * tb_nl_route_multipath() - one route to @dst over the links @ifindex[@n]
 *
 * ECMP for IPv4: one route whose RTA_MULTIPATH has a nexthop per link,
 * replacing (or creating) the route to @dst with metric @metric in table
 * @table.  With @n == 1 it becomes a plain route via that one link.
 * Return: 0, or -errno.
 */
int tb_nl_route_multipath(struct tb_nl *nl, const int *ifindex, size_t n,
			  const struct tb_prefix *dst, uint32_t table,
			  uint32_t metric)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *a = tb_nl_prefix(dst);
	struct rtnl_nexthop *nh;
	int err = -ENOMEM;

	if (!r || !a)
		goto out;
	rtnl_route_set_family(r, (uint8_t)dst->family);
	rtnl_route_set_dst(r, a);
	rtnl_route_set_table(r, table);
	rtnl_route_set_priority(r, metric);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	for (size_t i = 0; i < n; i++) {
		if (!(nh = rtnl_route_nh_alloc()))
			goto out;
		rtnl_route_nh_set_ifindex(nh, ifindex[i]);
		rtnl_route_add_nexthop(r, nh); /* the route owns it now */
	}
	err = tb_nl_route_send(nl, r, NLM_F_CREATE | NLM_F_REPLACE);
out:
	nl_addr_put(a);
	rtnl_route_put(r);
	return err;
}

/*
 * IPv6 ECMP over device routes needs nexthop objects: the kernel neither
 * takes device-only nexthops in an IPv6 RTA_MULTIPATH nor balances
 * appended routes.  A route names a group (nhid); each member is one tap's
 * nexthop object, which the kernel deletes with the tap, shrinking the
 * group (and deleting an emptied group with its routes).  libnl 3.7
 * cannot build these messages: they are built here.
 */

/**
 * tb_nl_nexthop_dev() - nexthop object @id: "dev @ifindex", IPv6
 * Return: 0, -EEXIST (the id is taken), or another -errno.
 */
int tb_nl_nexthop_dev(struct tb_nl *nl, uint32_t id, int ifindex)
{
	struct nhmsg nhm = {.nh_family = AF_INET6};
	struct nl_msg *msg =
		nlmsg_alloc_simple(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_EXCL);

	if (!msg || nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NHA_ID, id) < 0 ||
	    nla_put_u32(msg, NHA_OIF, (uint32_t)ifindex) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return tb_nl_talk(nl, msg, NULL, NULL);
}

/**
 * tb_nl_nexthop_group() - group @id of the nexthop objects @members[@n]
 * @replace:	0: a new group (-EEXIST if @id is taken); 1: new members
 * Return: 0, or -errno.
 */
int tb_nl_nexthop_group(struct tb_nl *nl, uint32_t id, const uint32_t *members,
			size_t n, int replace)
{
	struct nexthop_grp grp[TB_NH_GROUP_MAX];
	struct nhmsg nhm = {.nh_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(
		RTM_NEWNEXTHOP,
		NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));

	if (n == 0 || n > TB_NH_GROUP_MAX) {
		nlmsg_free(msg);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		grp[i] = (struct nexthop_grp){.id = members[i]};
	if (!msg || nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NHA_ID, id) < 0 ||
	    nla_put(msg, NHA_GROUP, (int)(n * sizeof(*grp)), grp) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return tb_nl_talk(nl, msg, NULL, NULL);
}

/* Deletes nexthop object (or group) @id; 0 or -errno. */
int tb_nl_nexthop_del(struct tb_nl *nl, uint32_t id)
{
	struct nhmsg nhm = {.nh_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELNEXTHOP, 0);

	if (!msg || nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NHA_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return tb_nl_talk(nl, msg, NULL, NULL);
}

/* The route header and keys of a host route @dst in @table, @metric. */
static struct nl_msg *tb_nl_route_msg(int type, int flags,
				      const struct tb_prefix *dst,
				      uint32_t table, uint32_t metric)
{
	struct rtmsg rtm = {.rtm_family = (uint8_t)dst->family,
			    .rtm_dst_len = (uint8_t)dst->len,
			    .rtm_table = RT_TABLE_UNSPEC,
			    .rtm_protocol = RTPROT_STATIC,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_UNICAST};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, dst->family == AF_INET ? 4 : 16, dst->addr) <
		    0 ||
	    nla_put_u32(msg, RTA_TABLE, table) < 0 ||
	    nla_put_u32(msg, RTA_PRIORITY, metric) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/**
 * tb_nl_route_nhid() - make the route to @dst in @table, @metric use
 * nexthop group @nhid, replacing (or creating) it
 * Return: 0, or -errno.
 */
int tb_nl_route_nhid(struct tb_nl *nl, const struct tb_prefix *dst,
		     uint32_t table, uint32_t metric, uint32_t nhid)
{
	struct nl_msg *msg = tb_nl_route_msg(
		RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, dst, table, metric);

	if (!msg || nla_put_u32(msg, RTA_NH_ID, nhid) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return tb_nl_talk(nl, msg, NULL, NULL);
}

struct tb_nl_nhid_ctx {
	const struct tb_prefix *dst;
	uint32_t table, metric, nhid;
};

static int tb_nl_nhid_cb(struct nl_msg *msg, void *arg)
{
	struct tb_nl_nhid_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];
	size_t alen = c->dst->family == AF_INET ? 4 : 16;
	uint32_t table;

	if (nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) ||
	    rtm->rtm_family != c->dst->family ||
	    rtm->rtm_dst_len != c->dst->len || !tb[RTA_DST] ||
	    nla_len(tb[RTA_DST]) != (int)alen ||
	    memcmp(nla_data(tb[RTA_DST]), c->dst->addr, alen) ||
	    !tb[RTA_PRIORITY] || nla_get_u32(tb[RTA_PRIORITY]) != c->metric ||
	    !tb[RTA_NH_ID])
		return NL_OK;
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table == c->table)
		c->nhid = nla_get_u32(tb[RTA_NH_ID]);
	return NL_OK;
}

/**
 * tb_nl_route_nhid_get() - the nexthop group the route to @dst in @table
 * with @metric uses, if it uses one
 * Return: 0 with *@nhid the group (0: a route without one, or none), or
 * -errno.
 */
int tb_nl_route_nhid_get(struct tb_nl *nl, const struct tb_prefix *dst,
			 uint32_t table, uint32_t metric, uint32_t *nhid)
{
	struct tb_nl_nhid_ctx c = {dst, table, metric, 0};
	struct rtmsg rtm = {.rtm_family = (uint8_t)dst->family};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP);
	int err;

	if (msg && nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	err = tb_nl_talk(nl, msg, tb_nl_nhid_cb, &c);
	if (err)
		return err;
	*nhid = c.nhid;
	return 0;
}

static int tb_nl_count_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(*(int *)arg)++;
	return NL_OK;
}

/* Is there a proxy entry for @p on @ifindex?  1, 0, or -errno.  One
 * RTM_GETNEIGH with NTF_PROXY, built by hand (libnl asks a dump). */
static int tb_nl_proxy_exists(struct tb_nl *nl, int ifindex,
			      const struct tb_prefix *p)
{
	struct ndmsg ndm = {.ndm_family = (uint8_t)p->family,
			    .ndm_ifindex = ifindex,
			    .ndm_flags = NTF_PROXY};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNEIGH, 0);
	int err, n = 0;

	if (msg && (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
		    nla_put(msg, NDA_DST, p->family == AF_INET ? 4 : 16,
			    p->addr) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	err = tb_nl_talk(nl, msg, tb_nl_count_cb, &n);
	if (err == -ENOENT) /* the kernel: no such entry */
		return 0;
	return err ? err : n > 0;
}

/**
 * tb_nl_proxy() - add (or delete) a neighbour proxy entry for @p on @ifindex
 *
 * What "ip neigh add proxy ADDR dev UPLINK" does: an NTF_PROXY entry, so
 * the uplink answers ARP or NDP for @p (a host address) on the VM's behalf.
 * The kernel takes an existing proxy entry as made (NLM_F_EXCL is not
 * honoured for them), so one is looked for first: an entry someone else
 * made is never taken over, nor later removed.
 * Return: 0, -EEXIST, -ENOENT (delete: no such entry), or another -errno.
 */
int tb_nl_proxy(struct tb_nl *nl, int add, int ifindex,
		const struct tb_prefix *p)
{
	struct rtnl_neigh *ne = rtnl_neigh_alloc();
	struct nl_addr *a = tb_nl_prefix(p);
	struct nl_msg *msg = NULL;
	int err = add ? tb_nl_proxy_exists(nl, ifindex, p) : 0;

	if (err > 0)
		err = -EEXIST;
	else if (!err && (!ne || !a))
		err = -ENOMEM;
	if (!err) {
		rtnl_neigh_set_family(ne, p->family);
		rtnl_neigh_set_ifindex(ne, ifindex);
		rtnl_neigh_set_dst(ne, a);
		rtnl_neigh_set_flags(ne, NTF_PROXY);
		err = add ? rtnl_neigh_build_add_request(
				    ne, NLM_F_CREATE | NLM_F_EXCL, &msg)
			  : rtnl_neigh_build_delete_request(ne, 0, &msg);
		err = err < 0 ? tb_nl_errno(err)
			      : tb_nl_talk(nl, msg, NULL, NULL);
	}
	nl_addr_put(a);
	rtnl_neigh_put(ne);
	return err;
}

struct tb_nl_rscan_ctx {
	tb_nl_route_fn fn;
	void *arg;
};

/* One route of the dump: once per link among its nexthops. */
static void tb_nl_rscan_one(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct tb_nl_rscan_ctx *c = arg;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct tb_prefix p = {.family = rtnl_route_get_family(r)};
	size_t len = dst ? nl_addr_get_len(dst) : 0;

	if (rtnl_route_get_protocol(r) != RTPROT_STATIC ||
	    (p.family != AF_INET && p.family != AF_INET6) ||
	    len != (p.family == AF_INET ? 4u : 16u))
		return;
	memcpy(p.addr, nl_addr_get_binary_addr(dst), len);
	p.len = nl_addr_get_prefixlen(dst);
	for (int i = 0; i < rtnl_route_get_nnexthops(r); i++)
		c->fn(c->arg,
		      rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, i)), &p,
		      rtnl_route_get_table(r), rtnl_route_get_priority(r));
}

/**
 * tb_nl_route_scan() - call @fn for every static route, per nexthop link
 *
 * One dump of every table, at start-up only: how a restarted broker
 * learns which addresses its routed taps carry.
 * Return: 0, or -errno.
 */
int tb_nl_route_scan(struct tb_nl *nl, tb_nl_route_fn fn, void *arg)
{
	struct tb_nl_rscan_ctx c = {fn, arg};
	struct nl_cache *cache;
	int err = rtnl_route_alloc_cache(nl->sk, AF_UNSPEC, 0, &cache);

	if (err < 0)
		return tb_nl_errno(err);
	nl_cache_foreach(cache, tb_nl_rscan_one, &c);
	nl_cache_free(cache);
	return 0;
}

/*
 * Puts address @p (with its prefix length) on link @ifindex, with
 * IFA_F_NOPREFIXROUTE: no connected route appears (in main or anywhere),
 * so a host-side address never routes outside the plan's tables.
 */
int tb_nl_addr_add(struct tb_nl *nl, int ifindex, const struct tb_prefix *p)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *a = tb_nl_prefix(p);
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	if (ra && a) {
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_family(ra, p->family);
		rtnl_addr_set_local(ra, a);
		rtnl_addr_set_prefixlen(ra, (int)p->len);
		rtnl_addr_set_flags(ra, IFA_F_NOPREFIXROUTE);
		err = rtnl_addr_build_add_request(ra, NLM_F_CREATE | NLM_F_EXCL,
						  &msg);
		err = err < 0 ? tb_nl_errno(err)
			      : tb_nl_talk(nl, msg, NULL, NULL);
	}
	nl_addr_put(a);
	rtnl_addr_put(ra);
	return err;
}

struct tb_nl_ascan_ctx {
	tb_nl_addr_fn fn;
	void *arg;
	int family;
};

static void tb_nl_ascan_one(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct tb_nl_ascan_ctx *c = arg;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	struct tb_prefix p = {.family = rtnl_addr_get_family(ra)};
	size_t len = local ? nl_addr_get_len(local) : 0;

	if (p.family != c->family || len != (p.family == AF_INET ? 4u : 16u))
		return;
	memcpy(p.addr, nl_addr_get_binary_addr(local), len);
	p.len = (unsigned int)len * 8; /* the address itself */
	c->fn(c->arg, rtnl_addr_get_ifindex(ra), &p);
}

/**
 * tb_nl_addr_scan() - call @fn for every address of @family on the host
 *
 * One dump, asked only by requests that name addresses: whether the host
 * has an address already is a fact the plan cannot know.
 * Return: 0, or -errno.
 */
int tb_nl_addr_scan(struct tb_nl *nl, int family, tb_nl_addr_fn fn, void *arg)
{
	struct tb_nl_ascan_ctx c = {fn, arg, family};
	struct nl_cache *cache;
	int err = rtnl_addr_alloc_cache(nl->sk, &cache);

	if (err < 0)
		return tb_nl_errno(err);
	nl_cache_foreach(cache, tb_nl_ascan_one, &c);
	nl_cache_free(cache);
	return 0;
}

/* The rest of a tun device's IFLA_INFO_DATA.  The kernel reports queue
 * counts for multi_queue taps only (tun_fill_info()). */
static void tb_nl_tun_info(struct nlattr **tun, struct tb_link_info *info)
{
	if (tun[IFLA_TUN_OWNER])
		info->owner = nla_get_u32(tun[IFLA_TUN_OWNER]);
	if (tun[IFLA_TUN_GROUP])
		info->group = nla_get_u32(tun[IFLA_TUN_GROUP]);
	if (tun[IFLA_TUN_VNET_HDR])
		info->vnet_hdr = nla_get_u8(tun[IFLA_TUN_VNET_HDR]);
	if (tun[IFLA_TUN_MULTI_QUEUE])
		info->multi_queue = nla_get_u8(tun[IFLA_TUN_MULTI_QUEUE]);
	if (tun[IFLA_TUN_NUM_QUEUES])
		info->queues += nla_get_u32(tun[IFLA_TUN_NUM_QUEUES]);
	if (tun[IFLA_TUN_NUM_DISABLED_QUEUES])
		info->queues += nla_get_u32(tun[IFLA_TUN_NUM_DISABLED_QUEUES]);
}

static int tb_nl_info_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr *tun[IFLA_TUN_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(nlmsg_hdr(msg));
	struct tb_link_info *info = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(*ifi), tb, IFLA_MAX, NULL))
		return NL_OK;
	info->ifindex = ifi->ifi_index;
	info->flags = ifi->ifi_flags;
	info->type = ifi->ifi_type;
	info->mtu = tb[IFLA_MTU] ? nla_get_u32(tb[IFLA_MTU]) : 0;
	info->master = tb[IFLA_MASTER] ? (int)nla_get_u32(tb[IFLA_MASTER]) : 0;
	info->carrier = tb[IFLA_CARRIER] ? nla_get_u8(tb[IFLA_CARRIER]) : 0;
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(info->mac, nla_data(tb[IFLA_ADDRESS]), 6);
		info->has_mac = 1;
	}
	if (!tb[IFLA_LINKINFO] ||
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) ||
	    !li[IFLA_INFO_KIND])
		return NL_OK;
	snprintf(info->kind, sizeof(info->kind), "%s",
		 (const char *)nla_data(li[IFLA_INFO_KIND]));
	if (!li[IFLA_INFO_DATA] ||
	    nla_parse_nested(tun, IFLA_TUN_MAX, li[IFLA_INFO_DATA], NULL))
		return NL_OK;
	if (tun[IFLA_TUN_TYPE])
		info->tun_type = nla_get_u8(tun[IFLA_TUN_TYPE]);
	if (tun[IFLA_TUN_PERSIST])
		info->persist = nla_get_u8(tun[IFLA_TUN_PERSIST]);
	tb_nl_tun_info(tun, info);
	return NL_OK;
}

/**
 * tb_nl_link_info() - what an adopter must know about link @name
 *
 * Kind, and for a tun device its type, persistence, owner, group and
 * queues (from IFLA_INFO_DATA, which libnl 3.7 does not parse), master,
 * MTU, flags, carrier, link type and MAC.
 * Return: 0, -ENODEV, or another -errno.
 */
int tb_nl_link_info(struct tb_nl *nl, const char *name,
		    struct tb_link_info *info)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);

	*info = (struct tb_link_info){.owner = (uint32_t)-1,
				      .group = (uint32_t)-1};
	if (msg && (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_string(msg, IFLA_IFNAME, name) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return tb_nl_talk(nl, msg, tb_nl_info_cb, info);
}

/**
 * tb_nl_link_restore() - put an adopted link back as it was
 *
 * Its MAC (if known: a holder can change it with SIOCSIFHWADDR), master
 * (or none), MTU and up/down state; its ifalias is cleared.
 * Return: 0, or -errno.
 */
int tb_nl_link_restore(struct tb_nl *nl, const struct tb_link_info *was)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	struct nl_addr *addr = NULL;
	int err;

	if (!chg)
		return -ENOMEM;
	if (was->has_mac) /* before the master: the kernel sets it first */
		addr = nl_addr_build(AF_LLC, was->mac, 6);
	if (addr)
		rtnl_link_set_addr(chg, addr);
	rtnl_link_set_master(chg, was->master);
	rtnl_link_set_mtu(chg, was->mtu);
	rtnl_link_set_ifalias(chg, "");
	if (was->flags & IFF_UP)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	err = tb_nl_change(nl, was->ifindex, chg);
	nl_addr_put(addr);
	rtnl_link_put(chg);
	return err;
}

/*
 * A guarded bridge port (guard.c): "locked" (the bridge forwards a frame
 * only if its source MAC has an FDB entry on this port), learning off, and
 * one static FDB entry for the guest's MAC per VLAN.  libnl 3.7 has no
 * setters for either: the AF_BRIDGE messages are built here, as
 * "bridge link set dev X locked on learning off" and "bridge fdb add MAC
 * dev X master static vlan V" build them.
 */

/**
 * tb_nl_port_lock() - lock bridge port @ifindex (learning off), or undo it
 * Return: 0, or -errno (-EOPNOTSUPP: a kernel without locked ports).
 */
int tb_nl_port_lock(struct tb_nl *nl, int ifindex, int locked)
{
	struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, 0);
	struct nlattr *pi;

	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(pi = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED)) ||
	    nla_put_u8(msg, IFLA_BRPORT_LEARNING, !locked) < 0 ||
	    nla_put_u8(msg, IFLA_BRPORT_LOCKED, !!locked) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, pi);
	return tb_nl_talk(nl, msg, NULL, NULL);
}

struct tb_nl_lock_ctx {
	int locked, learning;
};

static int tb_nl_lock_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr *bp[IFLA_BRPORT_MAX + 1];
	struct tb_nl_lock_ctx *c = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb, IFLA_MAX,
			NULL) ||
	    !tb[IFLA_LINKINFO] ||
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) ||
	    !li[IFLA_INFO_SLAVE_DATA] ||
	    nla_parse_nested(bp, IFLA_BRPORT_MAX, li[IFLA_INFO_SLAVE_DATA],
			     NULL))
		return NL_OK;
	if (bp[IFLA_BRPORT_LOCKED])
		c->locked = nla_get_u8(bp[IFLA_BRPORT_LOCKED]);
	if (bp[IFLA_BRPORT_LEARNING])
		c->learning = nla_get_u8(bp[IFLA_BRPORT_LEARNING]);
	return NL_OK;
}

/**
 * tb_nl_port_lock_get() - is bridge port @ifindex locked, does it learn?
 *
 * Read from the port's IFLA_INFO_SLAVE_DATA (-1 where the kernel says
 * nothing: not a bridge port, or a kernel without locked ports).
 * Return: 0, -ENODEV, or another -errno.
 */
int tb_nl_port_lock_get(struct tb_nl *nl, int ifindex, int *locked,
			int *learning)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct tb_nl_lock_ctx c = {-1, -1};
	int err;

	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = tb_nl_talk(nl, msg, tb_nl_lock_cb, &c);
	*locked = c.locked;
	*learning = c.learning;
	return err;
}

/* An AF_BRIDGE neighbour message for @mac on port @ifindex in VLAN @vid
 * (0: none), static. */
static struct nl_msg *tb_nl_fdb_msg(int type, int flags, int ifindex,
				    const uint8_t mac[6], unsigned int vid)
{
	struct ndmsg ndm = {.ndm_family = AF_BRIDGE,
			    .ndm_ifindex = ifindex,
			    .ndm_state = NUD_NOARP,
			    .ndm_flags = NTF_MASTER};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg || nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_LLADDR, 6, mac) < 0 ||
	    (vid && nla_put_u16(msg, NDA_VLAN, (uint16_t)vid) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/**
 * tb_nl_fdb_static() - add, take over or delete a static FDB entry for
 * @mac on bridge port @ifindex, in VLAN @vid (0: a bridge without VLAN
 * filtering)
 * @op:	TB_FDB_ADD: a new entry (NLM_F_EXCL: -EEXIST if the bridge has one
 *	for @mac, on any port); TB_FDB_TAKE: this port's and static, whether
 *	or not the bridge had one; TB_FDB_DEL: remove this port's (an entry
 *	on another port is not touched)
 * Return: 0, -EEXIST, -ENOENT (delete: no such entry), or another -errno.
 */
int tb_nl_fdb_static(struct tb_nl *nl, int op, int ifindex,
		     const uint8_t mac[6], unsigned int vid)
{
	struct nl_msg *msg =
		op == TB_FDB_DEL
			? tb_nl_fdb_msg(RTM_DELNEIGH, 0, ifindex, mac, vid)
		: op == TB_FDB_ADD
			? tb_nl_fdb_msg(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL,
					ifindex, mac, vid)
			: tb_nl_fdb_msg(RTM_NEWNEIGH,
					NLM_F_CREATE | NLM_F_REPLACE, ifindex,
					mac, vid);

	return msg ? tb_nl_talk(nl, msg, NULL, NULL) : -ENOMEM;
}

struct tb_nl_fdb_ctx {
	int ifindex, state;
};

static int tb_nl_fdb_cb(struct nl_msg *msg, void *arg)
{
	struct ndmsg *ndm = nlmsg_data(nlmsg_hdr(msg));
	struct tb_nl_fdb_ctx *c = arg;

	if (!nlmsg_valid_hdr(nlmsg_hdr(msg), sizeof(*ndm)))
		return NL_OK;
	c->ifindex = ndm->ndm_ifindex;
	c->state = ndm->ndm_state;
	return NL_OK;
}

/**
 * tb_nl_fdb_get() - the bridge's entry for @mac in VLAN @vid, asked of
 * the bridge of port @ifindex ("bridge fdb get MAC dev X vlan V")
 * @port:	the port it points at
 * @held:	1 if it is static or the bridge's own (permanent), 0 if
 *		learned
 * Return: 0, -ENOENT (no entry), or another -errno.
 */
int tb_nl_fdb_get(struct tb_nl *nl, int ifindex, const uint8_t mac[6],
		  unsigned int vid, int *port, int *held)
{
	struct nl_msg *msg = tb_nl_fdb_msg(RTM_GETNEIGH, 0, ifindex, mac, vid);
	struct tb_nl_fdb_ctx c = {0, 0};
	int err;

	if (!msg)
		return -ENOMEM;
	/* a get request must carry no state (the kernel checks it strictly) */
	((struct ndmsg *)nlmsg_data(nlmsg_hdr(msg)))->ndm_state = 0;
	err = tb_nl_talk(nl, msg, tb_nl_fdb_cb, &c);
	*port = c.ifindex;
	*held = !!(c.state & (NUD_NOARP | NUD_PERMANENT));
	return err;
}

/**
 * tb_nl_link_isolate() - take link @ifindex out of its bridge, and down
 *
 * For an adopted tap whose lease is over while a tenant may still hold
 * it: it must neither stay in the bridge granted to that tenant nor go
 * back to its previous one.  Down, it is in no broadcast domain at all
 * (and the host stack takes nothing from it, router advertisements
 * included).  Its ifalias (the lease record) is kept.
 * Return: 0, or -errno.
 */
int tb_nl_link_isolate(struct tb_nl *nl, int ifindex)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int err;

	if (!chg)
		return -ENOMEM;
	rtnl_link_set_master(chg, 0);
	rtnl_link_unset_flags(chg, IFF_UP);
	err = tb_nl_change(nl, ifindex, chg);
	rtnl_link_put(chg);
	return err;
}

/**
 * tb_nl_link_mac_pin() - set link @ifindex's MAC to what it is now
 * @mac:	receives that MAC
 *
 * Setting a MAC, even the same one, makes its assignment NET_ADDR_SET: a
 * bridge then keeps it, instead of following its lowest port's MAC
 * (br_stp_recalculate_bridge_id()), which a tenant can set on its tap.
 * Return: 0, or -errno.
 */
int tb_nl_link_mac_pin(struct tb_nl *nl, int ifindex, uint8_t mac[6])
{
	struct rtnl_link *link = NULL, *chg = NULL;
	struct nl_addr *addr;
	int err = rtnl_link_get_kernel(nl->sk, ifindex, NULL, &link);

	if (err < 0)
		return tb_nl_errno(err);
	addr = rtnl_link_get_addr(link);
	err = -EINVAL;
	if (addr && nl_addr_get_len(addr) == 6) {
		memcpy(mac, nl_addr_get_binary_addr(addr), 6);
		chg = rtnl_link_alloc();
		err = -ENOMEM;
	}
	if (chg) {
		rtnl_link_set_addr(chg, addr);
		err = tb_nl_change(nl, ifindex, chg);
		rtnl_link_put(chg);
	}
	rtnl_link_put(link);
	return err;
}
