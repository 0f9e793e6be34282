// SPDX-License-Identifier: GPL-2.0-or-later
/* One tap request: check it, decide it by policy, then build the port. */
#include "broker.h"
#include "pool.h"
#include "tenant.h"
#include "vlan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* Fills @rep with status @err and one line of reason; returns @err. */
int tb_refuse(struct tb_reply *rep, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->message, sizeof(rep->message), fmt, ap);
	va_end(ap);
	rep->status = err;
	return err;
}

/* A random unicast, locally administered MAC whose first byte is 0xfe: the
 * bridge takes the lowest port MAC as its own, and 0xfe is never the lowest. */
int tb_tap_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		return -EIO;
	mac[0] = 0xfe;
	return 0;
}

/*
 * A bridge whose MTU was never set explicitly takes its smallest port's:
 * a tap below the bridge's MTU may have lowered it.  Never let that stand.
 */
static int tb_mtu_kept(struct tb_broker *b, const struct tb_request *req,
		       const struct tb_bridge_info *br, unsigned int mtu,
		       struct tb_reply *rep)
{
	struct tb_bridge_info now;
	char why[TB_MESSAGE_MAX];

	if (mtu >= br->mtu ||
	    tb_nl_bridge_get(b->nl, req->bridge, &now, why, sizeof(why)) ||
	    now.mtu >= br->mtu)
		return 0;
	return tb_refuse(
		rep, -EINVAL,
		"MTU %u would lower bridge %s's MTU from %u (its MTU follows its smallest port; set it explicitly with ip link set %s mtu %u, or ask for %u)",
		mtu, req->bridge, br->mtu, req->bridge, br->mtu, br->mtu);
}

/* VLANs asked for: parsed, decided by policy, and the bridge must filter. */
static int tb_tap_vlans(struct tb_broker *b, const struct tb_who *who,
			const struct tb_request *req,
			const struct tb_bridge_info *br,
			struct tb_port_vlans *pv, struct tb_reply *rep)
{
	struct tb_decision d;
	char why[128];
	int filtering, err;

	memset(pv, 0, sizeof(*pv));
	if (!req->vlan && !req->trunk[0])
		return 0;
	pv->any = 1;
	pv->access = req->vlan;
	if (req->vlan > TB_VLAN_MAX)
		return tb_refuse(rep, -EINVAL, "VLAN %u is not 1-4094",
				 req->vlan);
	if (req->trunk[0] &&
	    tb_vlan_parse(req->trunk, &pv->tagged, why, sizeof(why)))
		return tb_refuse(rep, -EINVAL, "trunk: %s", why);
	tb_policy_decide_vlan(b->policy, who, req->bridge, pv->access,
			      req->trunk[0] ? &pv->tagged : NULL, &d);
	if (!d.allow)
		return tb_refuse(rep, -EPERM, "%s", d.reason);
	err = tb_nl_bridge_vlans(b->nl, br->ifindex, &filtering, &pv->drop);
	if (err)
		return tb_refuse(rep, err, "cannot read bridge %s: %s",
				 req->bridge, strerror(-err));
	if (!filtering)
		return tb_refuse(
			rep, -EOPNOTSUPP,
			"bridge %s does not filter VLANs; turn it on with ip link set %s type bridge vlan_filtering 1",
			req->bridge, req->bridge);
	return 0;
}

/* A new tap @ifindex into bridge @br: MAC, MTU, alias, VLANs, then up. */
static int tb_port_setup(struct tb_broker *b, int ifindex,
			 const struct tb_bridge_info *br, unsigned int mtu,
			 const struct tb_port_vlans *pv, const char *alias)
{
	uint8_t mac[6];
	int err = tb_tap_mac(mac);

	if (!err)
		err = tb_nl_port_join(b->nl, ifindex, br->ifindex, mtu, mac,
				      alias);
	if (!err && pv->any)
		err = tb_nl_port_vlans(b->nl, ifindex, pv->access, &pv->tagged,
				       pv->drop);
	if (!err)
		err = tb_nl_link_up(b->nl, ifindex, alias);
	return err;
}

static int tb_build_port(struct tb_broker *b, const struct tb_who *who,
			 pid_t vm, const struct tb_request *req,
			 const struct tb_bridge_info *br, unsigned int mtu,
			 const struct tb_port_vlans *pv, struct tb_reply *rep)
{
	struct tb_lease lease = {.uid = who->uid, .vm = vm, .mtu = mtu};
	char alias[128];
	int fd, err = 0;

	tb_lease_alias(alias, sizeof(alias), who->uid, vm, req->bridge);
	tb_lease_alias_label(alias, sizeof(alias), req->label);
	snprintf(lease.label, sizeof(lease.label), "%s", req->label);
	/* the warm pool's tap, set up as below (pool.c), else a new one */
	fd = tb_pool_take(b, req, br, mtu, pv, alias, rep->ifname,
			  &lease.ifindex);
	if (fd < 0) {
		fd = tb_tun_create(tb_tun_flags(req), rep->ifname,
				   &lease.ifindex);
		if (fd < 0)
			return tb_refuse(
				rep, fd,
				"cannot create a tap: %s (is the tun module loaded and /dev/net/tun present?)",
				strerror(-fd));
		err = tb_port_setup(b, lease.ifindex, br, mtu, pv, alias);
	}
	if (err)
		tb_refuse(rep, err, "cannot add %s to bridge %s: %s",
			  rep->ifname, req->bridge, strerror(-err));
	if (!err)
		err = tb_mtu_kept(b, req, br, mtu, rep);
	snprintf(lease.ifname, sizeof(lease.ifname), "%s", rep->ifname);
	snprintf(lease.bridge, sizeof(lease.bridge), "%s", req->bridge);
	if (!err && (err = tb_lease_add(b, &lease)))
		tb_refuse(rep, err, "cannot record the lease: %s",
			  strerror(-err));
	if (err) {
		close(fd);
		/* persistent: delete it now, which also restores the MTU */
		tb_nl_link_del(b->nl, lease.ifindex);
		rep->ifname[0] = '\0';
		return err;
	}
	return fd;
}

/* The tap's MTU: asked for, or the bridge's, within the policy's ceiling. */
static int tb_tap_mtu(struct tb_broker *b, const struct tb_who *who,
		      const struct tb_request *req,
		      const struct tb_bridge_info *br, unsigned int *mtu,
		      struct tb_reply *rep)
{
	struct tb_mtu_ceiling m;
	struct tb_decision d;

	tb_policy_mtu(b->policy, who, req->bridge, &m);
	*mtu = req->mtu ? req->mtu : br->mtu < m.limit ? br->mtu : m.limit;
	if (*mtu < TB_MTU_MIN || *mtu > TB_MTU_MAX)
		return tb_refuse(rep, -EINVAL, "MTU %u is out of range (%d-%d)",
				 *mtu, TB_MTU_MIN, TB_MTU_MAX);
	if (*mtu > br->mtu)
		return tb_refuse(
			rep, -EINVAL,
			"MTU %u is above bridge %s's MTU %u; ask for at most %u, or raise the bridge's (ip link set %s mtu %u)",
			*mtu, req->bridge, br->mtu, br->mtu, req->bridge, *mtu);
	tb_policy_decide_mtu(b->policy, who, req->bridge, *mtu, &d);
	return d.allow ? 0 : tb_refuse(rep, -EPERM, "%s", d.reason);
}

/* @who's user name for a message, or "uid N" when it has none. */
const char *tb_who_name(const struct tb_who *who, char *buf, size_t len)
{
	if (who->user)
		snprintf(buf, len, "%s", who->user);
	else
		snprintf(buf, len, "uid %u", who->uid);
	return buf;
}

/**
 * tb_quota_check() - may @who hold one more lease?
 *
 * The broker is single-threaded: nothing runs between this count and the
 * lease's addition, so concurrent requests can never exceed the quota.
 * Return: 0, or -EDQUOT with the reason in @rep.
 */
int tb_quota_check(struct tb_broker *b, const struct tb_who *who,
		   struct tb_reply *rep)
{
	unsigned int held = tb_lease_count(b, who->uid);
	struct tb_quota q;
	char user[64];

	tb_policy_quota(b->policy, who, &q);
	if (held < q.limit)
		return 0;
	tb_who_name(who, user, sizeof(user));
	return tb_refuse(
		rep, -EDQUOT,
		"user %s already holds %u tap%s, the quota of %u set by %s; stop a VM first, or raise quota",
		user, held, held == 1 ? "" : "s", q.limit, q.source);
}

/**
 * tb_do_tap() - carry out one tap request from @who
 *
 * Order: the name is checked, then the policy decides, then the bridge is
 * looked up (so a denied caller learns nothing about which bridges exist),
 * then the tap is made and configured.  On success @rep names the tap and
 * *@fd holds it; on refusal @rep carries the status and one line of reason.
 *
 * Return: 0, or the -errno also stored in @rep->status.
 */
int tb_do_tap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
	      const struct tb_request *req, struct tb_reply *rep, int *fd)
{
	pid_t vm;
	struct tb_bridge_info br;
	struct tb_port_vlans pv;
	struct tb_decision d;
	unsigned int mtu;
	char why[TB_MESSAGE_MAX], shown[64];
	int ret;

	*fd = -1;
	if (req->label[0] && tb_label_check(req->label, why, sizeof(why))) {
		tb_escape(req->label, strlen(req->label), shown, sizeof(shown));
		return tb_refuse(rep, -EINVAL, "VM name '%s' %s", shown, why);
	}
	ret = tb_queues_check(b, who, req, rep);
	if (ret)
		return ret;
	if (req->lower[0])
		return tb_do_macvtap(b, who, caller, req, rep, fd);
	if (req->flags & TB_F_ROUTED)
		return tb_do_routed(b, who, caller, req, rep, fd);
	vm = tb_lease_vm(caller, !!(req->flags & TB_F_LAUNCHER));
	if (tb_ifname_check(req->bridge, why, sizeof(why))) {
		tb_escape(req->bridge, sizeof(req->bridge), shown,
			  sizeof(shown));
		return tb_refuse(rep, -EINVAL, "bridge name '%s' %s", shown,
				 why);
	}
	tb_policy_decide_bridge(b->policy, who, req->bridge, &d);
	if (!d.allow)
		return tb_refuse(rep, -EPERM, "%s", d.reason);
	ret = tb_quota_check(b, who, rep);
	if (ret)
		return ret;
	ret = tb_nl_bridge_get(b->nl, req->bridge, &br, why, sizeof(why));
	if (ret)
		return tb_refuse(rep, ret, "%s", why);
	ret = tb_tenant_pin_bridge(b, req->bridge, br.ifindex, rep);
	if (ret)
		return ret;
	ret = tb_tap_mtu(b, who, req, &br, &mtu, rep);
	if (ret)
		return ret;
	ret = tb_tap_vlans(b, who, req, &br, &pv, rep);
	if (ret)
		return ret;
	if (req->adopt[0])
		ret = tb_adopt_port(b, who, vm, req, &br, mtu, &pv, rep);
	else
		ret = tb_build_port(b, who, vm, req, &br, mtu, &pv, rep);
	if (ret < 0)
		return ret;
	*fd = ret;
	snprintf(rep->message, sizeof(rep->message), "%s", d.reason);
	rep->status = 0;
	return 0;
}
