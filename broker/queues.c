// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * More than one fd per lease: the queues of a multiqueue tap or macvtap,
 * and /dev/vhost-net fds, for tapbroker-helper's launcher mode ("run").
 *
 * QEMU's helper protocol carries one fd, so only "run" asks for these.
 * The first queue comes from the usual path (request.c, macvtap.c,
 * routed.c, adopt.c), made with IFF_MULTI_QUEUE when more than one queue
 * is asked for (the plan checked the policy's `queues` ceiling); this adds the others, attached by name (tap) or opened
 * again on /dev/tapN (macvtap), then one vhost-net fd per queue.  The
 * broker never touches the vhost fds: QEMU's VHOST_SET_OWNER binds each to
 * the VM.  Any failure ends the lease at once, so nothing is left behind.
 */
#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TB_VHOST_NET "/dev/vhost-net"

_Static_assert(TB_QUEUES_LIMIT == TB_QUEUES_MAX,
	       "the policy's queues ceiling is what the protocol carries");

/* One more queue of lease @l, IFF_MULTI_QUEUE like the first. */
static int tb_queue_open(const struct tb_lease *l, unsigned int iff)
{
	if (l->kind == TB_LEASE_MACVTAP)
		return tb_macvtap_open_ours(l->ifname, l->ifindex, iff);
	return tb_tun_attach(l->ifname, iff);
}

static int tb_queues_fail(struct tb_broker *b, struct tb_reply *rep, int *fds,
			  size_t *nfds, int err, const char *what)
{
	for (size_t i = 0; i < *nfds; i++)
		close(fds[i]);
	*nfds = 0;
	tb_lease_cancel(b, rep->ifname, "its queues could not be opened");
	rep->ifname[0] = '\0';
	rep->queues = 0;
	rep->flags &= ~TB_R_VHOST;
	return tb_refuse(rep, err, "%s", what);
}

/**
 * tb_do_queues() - open the rest of a granted lease's fds
 * @fds:	holds the first queue on entry (*@nfds == 1); receives the
 *		other queues, then the vhost-net fds (TB_FDS_MAX at most)
 *
 * Called after tb_do_tap() granted @rep->ifname.  Without --queues and
 * --vhost it does nothing.  On failure every fd is closed, the lease is
 * ended and @rep says why.
 * Return: 0, or -errno.
 */
int tb_do_queues(struct tb_broker *b, const struct tb_request *req,
		 struct tb_reply *rep, int *fds, size_t *nfds)
{
	unsigned int queues = req->queues ? req->queues : 1;
	const struct tb_lease *l = tb_lease_named(b, rep->ifname);
	char what[TB_MESSAGE_MAX];
	int fd;

	if (!req->queues && !(req->flags & TB_F_VHOST))
		return 0;
	if (!l || *nfds != 1 || 2 * queues > TB_FDS_MAX)
		return tb_queues_fail(
			b, rep, fds, nfds, -EINVAL,
			"internal error: no lease for the queues");
	while (*nfds < queues) {
		fd = tb_queue_open(l, tb_tun_flags(req));
		if (fd < 0) {
			/* an adopted tap's multi_queue was checked by its
			 * first queue (adopt.c) */
			snprintf(what, sizeof(what),
				 "cannot open queue %zu of %u on %s: %s",
				 *nfds + 1, queues, l->ifname, strerror(-fd));
			return tb_queues_fail(b, rep, fds, nfds, fd, what);
		}
		fds[(*nfds)++] = fd;
	}
	while ((req->flags & TB_F_VHOST) && *nfds < 2 * queues) {
		fd = open(TB_VHOST_NET, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fd = -errno;
			snprintf(
				what, sizeof(what), "cannot open %s: %s%s",
				TB_VHOST_NET, strerror(-fd),
				fd == -ENOENT
					? " (modprobe vhost_net, or leave out --vhost)"
					: "");
			return tb_queues_fail(b, rep, fds, nfds, fd, what);
		}
		fds[(*nfds)++] = fd;
	}
	rep->queues = queues;
	if (req->flags & TB_F_VHOST)
		rep->flags |= TB_R_VHOST;
	return 0;
}
