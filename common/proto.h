/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wire protocol between tapbroker-helper and tapbroker: frames, bounds, fds. */
#ifndef TB_PROTO_H
#define TB_PROTO_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Theory of operation
 *
 * One SOCK_SEQPACKET datagram carries one frame:
 *
 *	struct tb_hdr	magic, version, op, len (length of what follows)
 *	attributes	{ u16 type, u16 len (header included), value }
 *			each padded to 4 bytes
 *
 * A frame is at most TB_MSG_MAX bytes.  Decoding refuses a wrong magic or
 * version, a length that disagrees with what arrived, an attribute that runs
 * past the end, an unknown or repeated attribute, a string that is not
 * NUL-terminated inside its attribute, and a missing mandatory attribute.
 * Each refusal comes with one line saying what was wrong.  Integers are in
 * host byte order: both ends are always on the same host.
 */

#define TB_PROTO_MAGIC 0x62706174u /* "tapb" */
#define TB_PROTO_VERSION 1
#define TB_MSG_MAX 4096
#define TB_MESSAGE_MAX 512 /* reply text, NUL included */
#define TB_ERR_MAX 256 /* decoder error text, NUL included */
#define TB_DEFAULT_SOCKET "/run/tapbroker/socket"
#define TB_SOCKET_ENV "TAPBROKER_SOCKET"

#define TB_MODE_NAME_MAX 16
#define TB_TRUNK_MAX 256 /* == TB_VLAN_LIST_MAX */
#define TB_ADDRS_MAX 512 /* up to TB_ADDRS addresses, comma-separated */
#define TB_ADDRS 8
#define TB_TABLES_MAX 128
#define TB_GATEWAY_MAX 50
#define TB_MAC_MAX 18 /* "52:54:00:12:34:56", NUL included */
#define TB_LABEL_MAX 33 /* --vm=NAME: 1-32 of [A-Za-z0-9._-] */
#define TB_TEXT_MAX 3072 /* one chunk of admin output, NUL included */
#define TB_QUEUES_MAX 16 /* queues of one multiqueue tap */
#define TB_FDS_MAX (2 * TB_QUEUES_MAX) /* a queue and a vhost-net fd each */

enum tb_op {
	TB_OP_TAP = 1, /* helper -> broker: give me a tap */
	TB_OP_REPLY = 2, /* broker -> helper: status, text, maybe an fd */
	TB_OP_STATUS = 3, /* admin -> broker: list the leases */
	TB_OP_RELEASE = 4, /* admin -> broker: end the lease on IFNAME */
};

enum tb_attr_type {
	TB_A_BRIDGE = 1, /* string: bridge to join */
	TB_A_FLAGS = 2, /* u32: TB_F_* */
	TB_A_STATUS = 3, /* i32: 0 or -errno */
	TB_A_MESSAGE = 4, /* string: reason, for the user */
	TB_A_IFNAME = 5, /* string: interface made, or to release */
	TB_A_TEXT = 6, /* string: admin output, whole lines */
	TB_A_MTU = 7, /* u32: MTU asked for (else the bridge's) */
	TB_A_LOWER = 8, /* string: macvtap lower device (instead of a bridge) */
	TB_A_MODE = 9, /* string: macvtap mode (default vepa) */
	TB_A_VLAN = 10, /* u32: access VLAN (untagged PVID) */
	TB_A_TRUNK = 11, /* string: tagged VLANs, "10,20-30" */
	TB_A_ADDRS = 12, /* string: routed addresses, "10.0.0.5,2001:db8::5" */
	TB_A_TABLES = 13, /* string: routed: route tables, "main,100" */
	TB_A_METRIC = 14, /* u32: routed: route metric */
	TB_A_GATEWAY = 15, /* string: routed: host-side address on the tap */
	TB_A_ADOPT = 16, /* string: a pre-made tap, not a new one */
	TB_A_LABEL = 17, /* string: the VM's name, recorded on the lease */
	TB_A_QUEUES = 18, /* u32: queues asked for / handed over (1-16) */
	TB_A_PROXY = 19, /* string: routed: uplink to proxy ARP/NDP on */
	TB_A_MAC = 20, /* string: the guest NIC's MAC, "52:54:00:12:34:56" */
	TB_A_MAX
};

#define TB_F_VNET_HDR (1u << 0)
#define TB_F_ROUTED (1u << 1) /* a tap with host routes, no bridge */
#define TB_F_METRIC (1u << 2) /* TB_A_METRIC was given (0 is a metric) */
#define TB_F_VHOST (1u << 3) /* also one /dev/vhost-net fd per queue */
#define TB_F_LAUNCHER (1u << 4) /* the caller is the VM (helper "run") */
#define TB_F_KNOWN \
	(TB_F_VNET_HDR | TB_F_ROUTED | TB_F_METRIC | TB_F_VHOST | TB_F_LAUNCHER)
#define TB_R_MORE (1u << 0) /* reply flag: more reply frames follow */
#define TB_R_VHOST (1u << 1) /* reply flag: vhost-net fds follow queues */

struct tb_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t len;
};

struct tb_request {
	uint16_t op; /* TB_OP_TAP (0 means TAP too), _STATUS, _RELEASE */
	uint32_t flags; /* TAP */
	char bridge[IFNAMSIZ]; /* TAP */
	uint32_t mtu; /* TAP: 0 = the bridge's */
	char lower[IFNAMSIZ]; /* TAP: a macvtap on this device, not a bridge */
	char mode[TB_MODE_NAME_MAX]; /* TAP, macvtap: "" = vepa */
	uint32_t vlan; /* TAP: access VLAN, 0 = none */
	char trunk[TB_TRUNK_MAX]; /* TAP: tagged VLAN list, "" = none */
	char addrs[TB_ADDRS_MAX]; /* TAP: routed, or bridged (for the guard) */
	char tables[TB_TABLES_MAX]; /* TAP, routed: "" = main */
	uint32_t metric; /* TAP, routed, with TB_F_METRIC */
	char gateway[TB_GATEWAY_MAX]; /* TAP, routed: "" = none */
	char adopt[IFNAMSIZ]; /* TAP: "" = make a new tap */
	char label[TB_LABEL_MAX]; /* TAP: --vm=NAME, "" = none */
	uint32_t queues; /* TAP: 0 = one queue, no IFF_MULTI_QUEUE */
	char ifname[IFNAMSIZ]; /* RELEASE */
	char proxy[IFNAMSIZ]; /* TAP, routed: proxy uplink, "" = none */
	char mac[TB_MAC_MAX]; /* TAP: the guest's MAC, "" = not given */
};

struct tb_reply {
	int32_t status;
	uint32_t flags; /* TB_R_* */
	uint32_t queues; /* TAP: queue fds sent (0: one, or none) */
	char ifname[IFNAMSIZ];
	char message[TB_MESSAGE_MAX];
	char text[TB_TEXT_MAX]; /* STATUS output */
};

ssize_t tb_request_encode(const struct tb_request *req, void *buf, size_t size);
int tb_request_decode(const void *buf, size_t len, struct tb_request *req,
		      char *err, size_t errlen);
ssize_t tb_reply_encode(const struct tb_reply *rep, void *buf, size_t size);
int tb_reply_decode(const void *buf, size_t len, struct tb_reply *rep,
		    char *err, size_t errlen);

int tb_send_fd(int sock, const void *buf, size_t len, int fd);
int tb_send_fds(int sock, const void *buf, size_t len, const int *fds,
		size_t nfds);
ssize_t tb_recv_fd(int sock, void *buf, size_t size, int *fd);
ssize_t tb_recv_fds(int sock, void *buf, size_t size, int *fds, size_t max,
		    size_t *nfds);
ssize_t tb_recv_nofds(int sock, void *buf, size_t size, int flags);

int tb_ifname_check(const char *name, char *why, size_t whylen);
int tb_label_check(const char *label, char *why, size_t whylen);
void tb_escape(const char *in, size_t inlen, char *out, size_t outlen);

#endif
