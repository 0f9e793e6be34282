// SPDX-License-Identifier: GPL-2.0-or-later
/* Read-only rtnetlink dumps for `tapbroker doctor`: it changes nothing. */
#include "netlink_dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

/* The arrays being filled, and the first error met. */
struct tb_dump_ctx {
	struct tb_dump *d;
	size_t cap_links, cap_routes, cap_proxies;
	int err;
};

/* Room for one more element of @size in *@v; NULL (and ctx->err) if none. */
static void *tb_dump_push(struct tb_dump_ctx *c, void **v, size_t *n,
			  size_t *cap, size_t size)
{
	void *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;

		p = reallocarray(*v, ncap, size);
		if (!p) {
			c->err = -ENOMEM;
			return NULL;
		}
		*v = p;
		*cap = ncap;
	}
	p = (char *)*v + (*n)++ * size;
	memset(p, 0, size);
	return p;
}

static void tb_dump_str(const struct nlattr *a, char *buf, size_t len)
{
	if (a)
		nla_strlcpy(buf, a, len);
}

static uint32_t tb_dump_u32(const struct nlattr *a)
{
	return a && nla_len(a) >= 4 ? nla_get_u32((struct nlattr *)a) : 0;
}

/* IFLA_INFO_DATA of a bridge or a macvtap. */
static void tb_dump_info_data(struct tb_dump_link *l, struct nlattr *data)
{
	struct nlattr *br[IFLA_BR_MAX + 1], *mv[IFLA_MACVLAN_MAX + 1];

	if (!data)
		return;
	if (!strcmp(l->kind, "bridge") &&
	    !nla_parse_nested(br, IFLA_BR_MAX, data, NULL)) {
		l->stp_state = tb_dump_u32(br[IFLA_BR_STP_STATE]);
		l->forward_delay = tb_dump_u32(br[IFLA_BR_FORWARD_DELAY]);
	} else if ((!strcmp(l->kind, "macvtap") ||
		    !strcmp(l->kind, "macvlan")) &&
		   !nla_parse_nested(mv, IFLA_MACVLAN_MAX, data, NULL)) {
		l->macvlan_mode = tb_dump_u32(mv[IFLA_MACVLAN_MODE]);
	}
}

static void tb_dump_linkinfo(struct tb_dump_link *l, struct nlattr *info)
{
	struct nlattr *li[IFLA_INFO_MAX + 1];

	if (!info || nla_parse_nested(li, IFLA_INFO_MAX, info, NULL))
		return;
	tb_dump_str(li[IFLA_INFO_KIND], l->kind, sizeof(l->kind));
	tb_dump_info_data(l, li[IFLA_INFO_DATA]);
}

static int tb_dump_link_cb(struct nl_msg *msg, void *arg)
{
	struct tb_dump_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct nlattr *tb[IFLA_MAX + 1];
	struct tb_dump_link *l;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return NL_SKIP;
	l = tb_dump_push(c, (void **)&c->d->links, &c->d->nlinks, &c->cap_links,
			 sizeof(*l));
	if (!l)
		return NL_STOP;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	tb_dump_str(tb[IFLA_IFNAME], l->name, sizeof(l->name));
	tb_dump_str(tb[IFLA_IFALIAS], l->alias, sizeof(l->alias));
	l->mtu = tb_dump_u32(tb[IFLA_MTU]);
	l->master = (int)tb_dump_u32(tb[IFLA_MASTER]);
	l->lower = (int)tb_dump_u32(tb[IFLA_LINK]);
	l->lower_elsewhere = tb[IFLA_LINK_NETNSID] != NULL;
	l->carrier = tb[IFLA_CARRIER] ? nla_get_u8(tb[IFLA_CARRIER]) : 0;
	l->group = tb_dump_u32(tb[IFLA_GROUP]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, nla_data(tb[IFLA_ADDRESS]), 6);
	tb_dump_linkinfo(l, tb[IFLA_LINKINFO]);
	return NL_OK;
}

static int tb_dump_addr_cb(struct nl_msg *msg, void *arg)
{
	struct tb_dump_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifaddrmsg *ifa = nlmsg_data(h);

	if (h->nlmsg_type != RTM_NEWADDR ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_scope >= RT_SCOPE_LINK) /* fe80::, not a way out */
		return NL_SKIP;
	for (size_t i = 0; i < c->d->nlinks; i++)
		if (c->d->links[i].ifindex == (int)ifa->ifa_index)
			c->d->links[i].naddrs++;
	return NL_OK;
}

/* An address attribute of @family into @p (prefix length set by caller). */
static int tb_dump_addr(const struct nlattr *a, int family, uint8_t *out)
{
	int len = family == AF_INET ? 4 : 16;

	if (!a || nla_len(a) != len)
		return -1;
	memcpy(out, nla_data(a), (size_t)len);
	return 0;
}

static void tb_dump_multipath(struct tb_dump_route *r, struct nlattr *mp)
{
	struct rtnexthop *nh = nla_data(mp);
	int left = nla_len(mp);

	r->multipath = 1;
	while (RTNH_OK(nh, left) && r->noifs < TB_DUMP_NH_MAX) {
		r->oifs[r->noifs++] = nh->rtnh_ifindex;
		left -= (int)RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
}

static int tb_dump_route_cb(struct nl_msg *msg, void *arg)
{
	struct tb_dump_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];
	struct tb_dump_route *r;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) < 0 ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return NL_SKIP;
	r = tb_dump_push(c, (void **)&c->d->routes, &c->d->nroutes,
			 &c->cap_routes, sizeof(*r));
	if (!r)
		return NL_STOP;
	r->dst.family = rtm->rtm_family;
	r->dst.len = rtm->rtm_dst_len;
	tb_dump_addr(tb[RTA_DST], rtm->rtm_family, r->dst.addr);
	r->table = tb[RTA_TABLE] ? tb_dump_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	r->metric = tb_dump_u32(tb[RTA_PRIORITY]);
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->has_gw = !tb_dump_addr(tb[RTA_GATEWAY], rtm->rtm_family, r->gw);
	if (tb[RTA_OIF])
		r->oifs[r->noifs++] = (int)tb_dump_u32(tb[RTA_OIF]);
	if (tb[RTA_MULTIPATH])
		tb_dump_multipath(r, tb[RTA_MULTIPATH]);
	return NL_OK;
}

static int tb_dump_neigh_cb(struct nl_msg *msg, void *arg)
{
	struct tb_dump_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ndmsg *nd = nlmsg_data(h);
	struct nlattr *tb[NDA_MAX + 1];
	struct tb_dump_proxy *p;

	if (h->nlmsg_type != RTM_NEWNEIGH ||
	    nlmsg_parse(h, sizeof(*nd), tb, NDA_MAX, NULL) < 0 ||
	    !(nd->ndm_flags & NTF_PROXY) ||
	    (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6))
		return NL_SKIP;
	p = tb_dump_push(c, (void **)&c->d->proxies, &c->d->nproxies,
			 &c->cap_proxies, sizeof(*p));
	if (!p)
		return NL_STOP;
	p->addr.family = nd->ndm_family;
	p->addr.len = nd->ndm_family == AF_INET ? 32 : 128;
	tb_dump_addr(tb[NDA_DST], nd->ndm_family, p->addr.addr);
	p->ifindex = nd->ndm_ifindex;
	return NL_OK;
}

/* One dump request with header @hdr; every answer goes through @cb. */
static int tb_dump_one(struct nl_sock *sk, int type, void *hdr, size_t len,
		       nl_recvmsg_msg_cb_t cb, struct tb_dump_ctx *c)
{
	int err = nl_send_simple(sk, type, NLM_F_DUMP, hdr, len);

	if (err >= 0)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, c);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	if (c->err)
		return c->err;
	if (err == -NLE_PERM)
		return -EPERM;
	if (err == -NLE_DUMP_INTR) /* the kernel's tables changed meanwhile */
		return -EAGAIN;
	return err < 0 ? -EIO : 0;
}

static int tb_dump_all(struct nl_sock *sk, struct tb_dump_ctx *c)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC};
	struct rtmsg rtm = {.rtm_family = AF_UNSPEC};
	struct ndmsg nd = {.ndm_family = AF_UNSPEC, .ndm_flags = NTF_PROXY};
	int err;

	err = tb_dump_one(sk, RTM_GETLINK, &ifi, sizeof(ifi), tb_dump_link_cb,
			  c);
	if (!err)
		err = tb_dump_one(sk, RTM_GETADDR, &ifa, sizeof(ifa),
				  tb_dump_addr_cb, c);
	if (!err)
		err = tb_dump_one(sk, RTM_GETROUTE, &rtm, sizeof(rtm),
				  tb_dump_route_cb, c);
	if (!err)
		err = tb_dump_one(sk, RTM_GETNEIGH, &nd, sizeof(nd),
				  tb_dump_neigh_cb, c);
	return err;
}

/* One try at the four dumps, on a socket of its own. */
static int tb_dump_try(struct tb_dump *d)
{
	struct tb_dump_ctx c = {.d = d};
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	memset(d, 0, sizeof(*d));
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	err = err < 0 ? -EIO : tb_dump_all(sk, &c);
	nl_socket_free(sk);
	if (err)
		tb_dump_free(d);
	return err;
}

int tb_dump_read(struct tb_dump *d)
{
	int err = -EAGAIN;

	for (int i = 0; i < 3 && err == -EAGAIN; i++)
		err = tb_dump_try(d);
	return err;
}

void tb_dump_free(struct tb_dump *d)
{
	free(d->links);
	free(d->routes);
	free(d->proxies);
	memset(d, 0, sizeof(*d));
}

const struct tb_dump_link *tb_dump_link_by_index(const struct tb_dump *d,
						 int ifindex)
{
	for (size_t i = 0; ifindex && i < d->nlinks; i++)
		if (d->links[i].ifindex == ifindex)
			return &d->links[i];
	return NULL;
}

const struct tb_dump_link *tb_dump_link_by_name(const struct tb_dump *d,
						const char *name)
{
	for (size_t i = 0; i < d->nlinks; i++)
		if (!strcmp(d->links[i].name, name))
			return &d->links[i];
	return NULL;
}
