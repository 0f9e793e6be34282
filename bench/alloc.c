// SPDX-License-Identifier: GPL-2.0-or-later
/* The ways of getting one bridged tap that the bench puts side by side. */
#include "bench.h"
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Every candidate ends in the same state: a tap with IFF_VNET_HDR, at the
 * bridge's MTU, with an fe: MAC, a port of BN_BRIDGE, up, and its fd in our
 * hands.  Each call is timed from its first system call to the fd in hand
 * (and, for the exec'd ones, the child reaped, as QEMU waits for it).
 * Tearing the tap down is not part of it: see bn_ns_reap().
 */

#define BN_TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)

/* fe:42:PP:CC:CC:CC: unique per process and call, never the bridge's MAC. */
static void bn_mac(uint8_t mac[6])
{
	static unsigned int count;

	count++;
	mac[0] = 0xfe;
	mac[1] = 0x42;
	mac[2] = (uint8_t)getpid();
	mac[3] = (uint8_t)(count >> 16);
	mac[4] = (uint8_t)(count >> 8);
	mac[5] = (uint8_t)count;
}

/* open + TUNSETIFF on @tmpl (a "%d" template or an existing tap's name). */
static int bn_tun_open(const char *tmpl, char name[IFNAMSIZ])
{
	struct ifreq ifr = {.ifr_flags = BN_TAP_FLAGS};
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", tmpl);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

/* SIOCGIFMTU on the bridge, SIOCSIFMTU and SIOCSIFHWADDR on the tap. */
static int bn_ioctl_mtu_mac(int ctl, const char *name)
{
	struct ifreq ifr = {0};
	uint8_t mac[6];

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", BN_BRIDGE);
	if (ioctl(ctl, SIOCGIFMTU, &ifr) < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(ctl, SIOCSIFMTU, &ifr) < 0)
		return -errno;
	bn_mac(mac);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return ioctl(ctl, SIOCSIFHWADDR, &ifr) < 0 ? -errno : 0;
}

/**
 * bn_floor_ioctl() - the floor, ioctl flavour: qemu-bridge-helper's calls
 *
 * open, TUNSETIFF, SIOCGIFMTU (bridge), SIOCSIFMTU, SIOCSIFHWADDR,
 * SIOCGIFINDEX, SIOCBRADDIF, SIOCGIFFLAGS + SIOCSIFFLAGS: what
 * qemu-bridge-helper does once its ACL is read, with no exec and no ACL.
 * Return: 0, or -errno.
 */
int bn_floor_ioctl(struct bn_env *e, struct bn_tap *t)
{
	struct ifreq ifr = {0};
	char name[IFNAMSIZ];
	int fd, err, idx;

	fd = bn_tun_open("bfi%d", name);
	if (fd < 0)
		return fd;
	err = bn_ioctl_mtu_mac(e->ctl, name);
	idx = err ? err : bn_ifindex(e->ctl, name);
	err = idx < 0 ? idx : 0;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", BN_BRIDGE);
	ifr.ifr_ifindex = idx;
	if (!err && ioctl(e->ctl, SIOCBRADDIF, &ifr) < 0)
		err = -errno;
	if (!err)
		err = bn_if_up(e->ctl, name);
	if (err) {
		close(fd);
		return err;
	}
	t->fd = fd;
	return 0;
}

/**
 * bn_floor_netlink() - the floor, netlink flavour: tapbroker's calls
 *
 * open, TUNSETIFF, TUNSETOWNER, SIOCGIFINDEX, RTM_GETLINK (bridge, by
 * name), RTM_NEWLINK (MAC + MTU + master), RTM_NEWLINK (up): the kernel
 * work tapbroker does for one request, in-process, without libnl.
 * Return: 0, or -errno.
 */
int bn_floor_netlink(struct bn_env *e, struct bn_tap *t)
{
	char name[IFNAMSIZ];
	unsigned int mtu;
	uint8_t mac[6];
	int fd, err, idx, br;

	fd = bn_tun_open("bfn%d", name);
	if (fd < 0)
		return fd;
	err = ioctl(fd, TUNSETOWNER, 0UL) < 0 ? -errno : 0;
	idx = err ? err : bn_ifindex(e->ctl, name);
	err = idx < 0 ? idx : bn_nl_getlink(e->nl, BN_BRIDGE, &br, &mtu);
	bn_mac(mac);
	if (!err)
		err = bn_nl_setlink(e->nl, idx, mtu, mac, br, -1);
	if (!err)
		err = bn_nl_up(e->nl, idx);
	if (err) {
		close(fd);
		return err;
	}
	t->fd = fd;
	return 0;
}

/**
 * bn_fill_tap() - one persistent tap in BN_GROUP_FILL, a port of the bridge
 *
 * Stands for a running VM's tap when the bridge is filled; its fd is closed
 * (TUNSETPERSIST keeps it), so it has no carrier.
 * Return: 0, or -errno.
 */
int bn_fill_tap(struct bn_env *e)
{
	char name[IFNAMSIZ];
	uint8_t mac[6];
	int fd, idx, err;

	fd = bn_tun_open("bfl%d", name);
	if (fd < 0)
		return fd;
	err = ioctl(fd, TUNSETPERSIST, 1UL) < 0 ? -errno : 0;
	close(fd);
	idx = err ? err : bn_ifindex(e->ctl, name);
	if (idx < 0)
		return idx;
	bn_mac(mac);
	err = bn_nl_setlink(e->nl, idx, e->mtu, mac, e->br_index,
			    BN_GROUP_FILL);
	return err ? err : bn_nl_up(e->nl, idx);
}

/* A new connection to the broker at @path; Return: the socket, or -errno. */
int bn_tb_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s, err;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

/**
 * bn_tb_ask() - one request straight to the broker at @path
 *
 * What tapbroker-helper does once exec'd: connect, one request frame, one
 * reply frame with the fd (common/ code, shared with the helper).
 * Return: the tap's fd, or -errno (the broker's status on a refusal).
 */
int bn_tb_ask(const char *path)
{
	struct tb_request req = {.flags = TB_F_VNET_HDR};
	struct tb_reply rep;
	char buf[TB_MSG_MAX], err[TB_ERR_MAX];
	int s, fd = -1;
	ssize_t n;

	s = bn_tb_connect(path);
	if (s < 0)
		return s;
	memcpy(req.bridge, BN_BRIDGE, sizeof(BN_BRIDGE));
	n = tb_request_encode(&req, buf, sizeof(buf));
	if (n > 0)
		n = tb_send_fd(s, buf, (size_t)n, -1);
	if (!n)
		n = tb_recv_fd(s, buf, sizeof(buf), &fd);
	close(s);
	if (n <= 0 || tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err)))
		n = n < 0 ? n : -EBADMSG;
	else if (rep.status || fd < 0)
		n = rep.status ? rep.status : -EBADMSG;
	if (n < 0 && fd >= 0)
		close(fd);
	return n < 0 ? (int)n : fd;
}

/* tapbroker without the helper's fork+exec: what the broker itself costs. */
int bn_tb_direct(struct bn_env *e, struct bn_tap *t)
{
	t->fd = bn_tb_ask(e->sock);
	return t->fd < 0 ? t->fd : 0;
}

/**
 * bn_bridge_helper() - run a bridge helper exactly as QEMU does
 *
 * QEMU's net_bridge_run_helper(): socketpair, fork, exec
 * "HELPER --use-vnet --fd=N --br=BR", receive one byte with the fd, then
 * waitpid() the helper and check that it exited 0.
 * Return: the tap's fd, or -errno (-ECHILD if the helper failed).
 */
int bn_bridge_helper(const char *path, const char *bridge)
{
	char fdarg[32], brarg[32];
	char *argv[] = {(char *)path, "--use-vnet", fdarg, brarg, NULL};
	int sv[2], fd, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", sv[1]);
	snprintf(brarg, sizeof(brarg), "--br=%s", bridge);
	pid = bn_spawn(path, argv, sv[1]);
	close(sv[1]);
	fd = bn_recv_fd(sv[0]);
	status = bn_wait(pid);
	close(sv[0]);
	if (status && fd >= 0)
		close(fd);
	return status ? -ECHILD : fd;
}

/**
 * bn_exec_true() - no tap: fork, exec /bin/true, wait
 *
 * What any exec'd helper pays before doing anything (QEMU's fork, the
 * kernel's exec, the dynamic loader, exit), as a yardstick for the rows
 * that exec.  t->fd is left at -1.
 * Return: 0, or -ECHILD.
 */
int bn_exec_true(struct bn_env *e, struct bn_tap *t)
{
	char *argv[] = {"/bin/true", NULL};

	t->fd = -1;
	return bn_run(argv[0], argv) ? -ECHILD : 0;
}

int bn_tb_helper(struct bn_env *e, struct bn_tap *t)
{
	t->fd = bn_bridge_helper(e->helper, BN_BRIDGE);
	return t->fd < 0 ? t->fd : 0;
}

/* The floor of an exec'd helper: bench/noop-helper, run as QEMU runs one;
 * the fd it passes is of /dev/net/tun, no tap (t->fd holds it). */
int bn_noop(struct bn_env *e, struct bn_tap *t)
{
	t->fd = bn_bridge_helper(e->noop, BN_BRIDGE);
	return t->fd < 0 ? t->fd : 0;
}

/**
 * bn_pool_drain() - empty the broker's warm pool, untimed
 *
 * @n requests straight to the broker, back to back (the broker refills
 * only when idle); their fds go to @fds, closed by the caller.
 * Return: 0, or -errno.
 */
int bn_pool_drain(struct bn_env *e, int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		fds[i] = bn_tb_ask(e->sock);
		if (fds[i] < 0)
			return fds[i];
	}
	return 0;
}

int bn_qbh(struct bn_env *e, struct bn_tap *t)
{
	t->fd = bn_bridge_helper(e->qbh, BN_BRIDGE);
	return t->fd < 0 ? t->fd : 0;
}

/**
 * bn_ip_script() - the admin's way: a persistent tap made with ip(8)
 *
 * "ip tuntap add dev X mode tap vnet_hdr", then "ip link set dev X address
 * fe:... mtu M master BR up", then the open + TUNSETIFF QEMU does for
 * "-netdev tap,ifname=X,script=no".  Each ip is exec'd directly.
 * Return: 0, or -errno.
 */
int bn_ip_script(struct bn_env *e, struct bn_tap *t)
{
	static unsigned int seq;
	char mac[24], mtu[16];
	uint8_t m[6];
	char *add[] = {(char *)e->ip, "tuntap", "add",	    "dev", t->name,
		       "mode",	      "tap",	"vnet_hdr", NULL};
	char *set[] = {(char *)e->ip, "link", "set", "dev", t->name,
		       "address",     mac,    "mtu", mtu,   "master",
		       BN_BRIDGE,     "up",   NULL};

	snprintf(t->name, IFNAMSIZ, "bip%u", seq++ % 100000);
	bn_mac(m);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
	snprintf(mtu, sizeof(mtu), "%u", e->mtu);
	if (bn_run(e->ip, add) || bn_run(e->ip, set))
		return -ECHILD;
	t->fd = bn_tun_open(t->name, t->name);
	return t->fd < 0 ? t->fd : 0;
}

/* "ip link del dev NAME"; Return: 0, or -ECHILD. */
int bn_ip_del(struct bn_env *e, const char *name)
{
	char *del[] = {(char *)e->ip, "link", "del", "dev", (char *)name, NULL};

	return bn_run(e->ip, del) ? -ECHILD : 0;
}
