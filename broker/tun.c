// SPDX-License-Identifier: GPL-2.0-or-later
/* Creating taps through /dev/net/tun. */
#include "broker.h"
#include "tenant.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Taps are named tbN by the broker itself, from a counter: the kernel's
 * "tb%d" template searches every interface name for the first free number,
 * which costs O(interfaces) per tap under the RTNL lock.  IFF_TUN_EXCL
 * makes TUNSETIFF refuse (-EBUSY) a name that exists, instead of attaching
 * to it, so a taken name (a previous run's lease, an admin's tb5) is
 * skipped, never opened.  lease.c recognises the same tbN names.
 */
#define TB_TAP_PREFIX "tb"
#define TB_TAP_TRIES 4096 /* names tried before giving up */

static int tb_tun_ioctl_sock = -1;
static unsigned int tb_tun_seq; /* next tbN to try */

/**
 * tb_tun_init() - open the socket used for SIOCGIFINDEX
 *
 * Opened once before seccomp, so socket() need not be allowed later.
 * Return: 0, or -errno.
 */
int tb_tun_init(void)
{
	tb_tun_ioctl_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return tb_tun_ioctl_sock < 0 ? -errno : 0;
}

/**
 * tb_tun_flags() - the tun flags a request asks for, besides IFF_TAP
 * Return: IFF_VNET_HDR and IFF_MULTI_QUEUE (for more than one queue).
 */
unsigned int tb_tun_flags(const struct tb_request *req)
{
	return (req->flags & TB_F_VNET_HDR ? IFF_VNET_HDR : 0) |
	       (req->queues > 1 ? IFF_MULTI_QUEUE : 0);
}

/*
 * Opens /dev/net/tun as tap @name (a new one with IFF_TUN_EXCL in @iff, else
 * an existing one) with @iff (tb_tun_flags()); @ifr gets the kernel's answer.
 * IFF_NO_PI is also IFF_NOFILTER (0x1000): a socket filter that an earlier
 * holder left on the tap (TUNATTACHFILTER, kept by the device) is not put
 * on this queue; without it, the kernel's tun_attach() would answer 0
 * without attaching the fd at all.
 */
static int tb_tun_open(const char *name, unsigned int iff, struct ifreq *ifr)
{
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ifr = (struct ifreq){0};
	ifr->ifr_flags = (short)(unsigned short)(IFF_TAP | IFF_NO_PI | iff);
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A new tap named tbN from the counter; taken names (-EBUSY) are skipped. */
static int tb_tun_new(unsigned int iff, struct ifreq *ifr)
{
	char name[IFNAMSIZ];
	int fd = -EBUSY, i;

	for (i = 0; i < TB_TAP_TRIES && (fd == -EBUSY || fd == -EEXIST); i++) {
		snprintf(name, sizeof(name), TB_TAP_PREFIX "%u", tb_tun_seq++);
		fd = tb_tun_open(name, iff | IFF_TUN_EXCL, ifr);
	}
	return fd;
}

/* Sets the tun owner of @fd, and persistence: tb_tun_create()'s steps. */
static int tb_tun_keep(int fd, uid_t owner, struct ifreq *ifr)
{
	if (ioctl(fd, TUNSETOWNER, (unsigned long)owner) < 0 ||
	    ioctl(tb_tun_ioctl_sock, SIOCGIFINDEX, ifr) < 0 ||
	    ioctl(fd, TUNSETPERSIST, 1UL) < 0) /* last: close() undoes */
		return -errno;
	return 0;
}

/**
 * tb_tun_create() - create a persistent tap whose tun owner is root
 * @iff:	IFF_VNET_HDR, IFF_MULTI_QUEUE (tb_tun_flags())
 * @ifname:	receives its name (tbN, see the top of this file)
 * @ifindex:	receives its ifindex
 *
 * The tap is persistent: the last close() does not delete it (which would
 * cost the closer, and the RTNL lock, tens of ms); lease.c deletes ended
 * taps in batches, and a failed setup deletes it with tb_nl_link_del().
 *
 * Its tun owner is uid 0 (TB_TUN_OWNER), never the caller: the kernel lets
 * the owner attach more fds by name (TUNSETIFF), which would bypass the
 * queues ceiling and outlive the lease.  With owner 0 only CAP_NET_ADMIN
 * attaches by name.  With no owner and no group anyone could.
 *
 * Return: the tap's fd, or -errno.
 */
int tb_tun_create(unsigned int iff, char ifname[IFNAMSIZ], int *ifindex)
{
	struct ifreq ifr;
	int fd = tb_tun_new(iff, &ifr), err;

	if (fd < 0)
		return fd;
	err = tb_tun_keep(fd, TB_TUN_OWNER, &ifr);
	if (err) {
		close(fd);
		return err;
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	*ifindex = ifr.ifr_ifindex;
	return fd;
}

/**
 * tb_tun_pool_create() - a persistent tap tbN for the warm pool
 * @ifname:	receives its name
 * @ifindex:	receives its ifindex
 *
 * Its tun owner is root and it has no tun group, so only a holder of
 * CAP_NET_ADMIN can attach to it by name; no fd is left attached (it is
 * closed here), so it has no carrier and forwards nothing.
 * Return: 0, or -errno.
 */
int tb_tun_pool_create(char ifname[IFNAMSIZ], int *ifindex)
{
	struct ifreq ifr;
	int fd = tb_tun_new(0, &ifr), err;

	if (fd < 0)
		return fd;
	err = tb_tun_keep(fd, TB_TUN_OWNER, &ifr);
	close(fd);
	if (err)
		return err;
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	*ifindex = ifr.ifr_ifindex;
	return 0;
}

/* The ifindex of link @name, or -errno (a pool tap's check: pool.c). */
int tb_tun_index(const char *name)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(tb_tun_ioctl_sock, SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex;
}

/**
 * tb_macvtap_open() - open the character device of macvtap @ifindex
 *
 * The kernel names it /dev/tapIFINDEX (devtmpfs; also when the broker runs
 * in a network namespace, since /dev is the host's).  The node is root's,
 * mode 0600: the broker opens it as uid 0 with no CAP_DAC_OVERRIDE.  It
 * can lag the link by a moment, so absence is retried for up to 1 s.
 *
 * Return: the fd, or -errno.
 */
int tb_macvtap_open(int ifindex, unsigned int iff)
{
	struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};
	struct ifreq ifr = {0};
	char path[32];
	int fd = -ENOENT, err, i;

	snprintf(path, sizeof(path), "/dev/tap%d", ifindex);
	for (i = 0; i < 100 && fd == -ENOENT; i++) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fd = -errno;
			if (fd == -ENOENT)
				nanosleep(&pause, NULL);
		}
	}
	if (fd < 0)
		return fd;
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | iff);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/**
 * tb_tun_attach() - open an existing persistent tap by name
 *
 * With IFF_MULTI_QUEUE in @iff each call adds a queue to a multiqueue tap.
 * Return: the fd, -EBUSY if something holds a single-queue tap already,
 * -EINVAL if @iff's IFF_MULTI_QUEUE disagrees with the tap's, or -errno.
 */
int tb_tun_attach(const char *name, unsigned int iff)
{
	struct ifreq ifr;

	return tb_tun_open(name, iff, &ifr);
}

/**
 * tb_tun_set_owner() - make @owner the tun owner of the tap @fd holds
 *
 * Only whoever matches the owner (or CAP_NET_ADMIN) attaches by name.
 * Return: 0, or -errno.
 */
int tb_tun_set_owner(int fd, uint32_t owner)
{
	return ioctl(fd, TUNSETOWNER, (unsigned long)owner) < 0 ? -errno : 0;
}

/**
 * tb_tun_reset() - undo what a holder of an adopted tap may have changed
 * @owner:	its tun owner before the lease, or (uint32_t)-1 for none,
 *		which cannot be set back: it stays root's then
 *
 * Called with the broker's own fd on the tap, once nothing else holds it.
 * TUNSETLINK works only while the tap is down (else -EBUSY, and then no
 * holder could have changed the link type either).  TUNDETACHFILTER drops
 * a socket filter a holder left on the device (TUNATTACHFILTER keeps the
 * holder's struct sock_fprog, a pointer into the holder's memory): the
 * kernel would load it from that address in the admin's next program that
 * attaches without IFF_NOFILTER, and if that succeeds it returns 0 with
 * the fd not attached at all (tun_attach()).
 */
void tb_tun_reset(int fd, uint32_t owner)
{
	/* the kernel ignores the argument; valgrind reads it as a sock_fprog */
	struct sock_fprog none = {0};

	if (ioctl(fd, TUNDETACHFILTER, &none) < 0)
		tb_log(LOG_ERR, "cannot drop an adopted tap's filter: %s",
		       strerror(errno));
	if (ioctl(fd, TUNSETLINK, (unsigned long)ARPHRD_ETHER) < 0 &&
	    errno != EBUSY)
		tb_log(LOG_ERR, "cannot make an adopted tap Ethernet again: %s",
		       strerror(errno));
	if (owner != (uint32_t)-1)
		tb_tun_set_owner(fd, owner);
}

/**
 * tb_tun_debug_off() - turn off the driver messages of link @ifname
 *
 * Any holder of a tap's fd may set the tun driver's message level
 * (TUNSETDEBUG, no privilege, no event): the kernel then logs a line for
 * every frame sent to the tap ("tbN: tun_net_xmit LEN"), a flood of the
 * host's kernel log and journal.  Read with ETHTOOL_GMSGLVL, reset with
 * ETHTOOL_SMSGLVL (CAP_NET_ADMIN).
 * Return: 1 if they were on, 0 if not, or -errno.
 */
int tb_tun_debug_off(const char *ifname)
{
	struct ethtool_value v = {.cmd = ETHTOOL_GMSGLVL};
	struct ifreq ifr = {.ifr_data = (char *)&v};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(tb_tun_ioctl_sock, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	if (!v.data)
		return 0;
	v = (struct ethtool_value){.cmd = ETHTOOL_SMSGLVL, .data = 0};
	if (ioctl(tb_tun_ioctl_sock, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	return 1;
}
