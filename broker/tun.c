// SPDX-License-Identifier: GPL-2.0-or-later
/* Creating taps through /dev/net/tun. */
#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TB_TAP_TEMPLATE "tb%d" /* the kernel picks the first free number */

static int tb_tun_ioctl_sock = -1;

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
 * tb_tun_create() - create a tap owned by @owner, not persistent
 * @vnet_hdr:	set IFF_VNET_HDR
 * @owner:	uid recorded as the tun owner (shown by ip -d link)
 * @ifname:	receives the name the kernel chose
 * @ifindex:	receives its ifindex
 *
 * The tap lives as long as the returned fd (and its copies): closing the
 * broker's copy before handing it over is the rollback.
 *
 * Return: the tap's fd, or -errno.
 */
int tb_tun_create(int vnet_hdr, uid_t owner, char ifname[IFNAMSIZ],
		  int *ifindex)
{
	struct ifreq ifr = {0};
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	memcpy(ifr.ifr_name, TB_TAP_TEMPLATE, sizeof(TB_TAP_TEMPLATE));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETOWNER, (unsigned long)owner) < 0 ||
	    ioctl(tb_tun_ioctl_sock, SIOCGIFINDEX, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	*ifindex = ifr.ifr_ifindex;
	return fd;
}
