/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tapbroker daemon: what its modules offer one another. */
#ifndef TB_BROKER_H
#define TB_BROKER_H

#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>

#include "policy.h"
#include "proto.h"
#include "vlan.h"

enum tb_seccomp_mode {
	TB_SECCOMP_KILL, /* default: a syscall off the list kills us */
	TB_SECCOMP_TRAP, /* print the syscall's number, then die */
	TB_SECCOMP_LOG, /* allow, but have the kernel log it */
	TB_SECCOMP_OFF, /* for sanitizer and valgrind runs only */
};

struct tb_nl;
struct tb_loop;

/* A link as tb_nl_link_info() reads it (for adopting, and leases). */
struct tb_link_info {
	int ifindex, master;
	unsigned int mtu, flags;
	char kind[16];
	int tun_type; /* IFF_TUN or IFF_TAP, 0 if not tun */
	int persist;
	uint32_t owner; /* (uint32_t)-1: none */
	uint32_t group; /* (uint32_t)-1: none */
	int multi_queue, vnet_hdr;
	unsigned int queues; /* multi_queue: fds attached, enabled or not */
	int carrier;
	unsigned short type; /* ARPHRD_* */
	int has_mac; /* adopted: put @mac back at the end */
	uint8_t mac[6];
};

enum tb_lease_kind {
	TB_LEASE_TAP,
	TB_LEASE_MACVTAP,
	TB_LEASE_ROUTED,
	TB_LEASE_ADOPTED, /* a pre-made tap: restored, never deleted */
};

#define TB_TABLES 8 /* route tables of one routed tap */

/* A tap handed out: see lease.c. */
struct tb_lease {
	enum tb_lease_kind kind;
	int ifindex;
	char ifname[IFNAMSIZ];
	char bridge[IFNAMSIZ]; /* or, for a macvtap, its lower device */
	int mode; /* macvtap */
	int pidfd; /* macvtap: the VM's pidfd, watched; else -1 */
	unsigned long long start; /* the VM's start time (/proc/PID/stat) */
	struct tb_link_info was; /* adopted: what to restore at the end */
	struct tb_prefix *addrs; /* routed: claimed, TB_ADDRS at most */
	size_t naddrs;
	uint32_t tables[TB_TABLES]; /* routed: where its routes are */
	size_t ntables;
	uint32_t metric; /* routed: its routes' metric */
	char proxy[IFNAMSIZ]; /* routed: uplink with proxy entries, or "" */
	uid_t uid;
	pid_t vm; /* the caller's parent (QEMU), 0 if unknown */
	unsigned int mtu; /* 0 if unknown (found after a restart) */
	char label[TB_LABEL_MAX]; /* --vm=NAME, or "" */
	uint64_t since; /* CLOCK_MONOTONIC seconds */
	uint32_t tun_owner; /* tap: the tun owner it must keep (TB_TUN_OWNER) */
	int ending; /* adopted: over, out of its bridge, until nothing holds it */
};

struct tb_broker {
	const char *config;
	const char *qemu_acl;
	const char *socket_path;
	int foreground;
	int activated; /* the socket came from systemd: not ours to unlink */
	enum tb_seccomp_mode seccomp;
	struct tb_policy *policy;
	struct tb_nl *nl;
	int listen_fd;
	int events_fd; /* rtnetlink link events */
	struct tb_loop *loop;
	struct tb_lease *leases;
	size_t nleases, cap;
	unsigned int macvtap_seq; /* next tbmN name to try */
	unsigned int reap_pending; /* ended taps waiting in the reap group */
	uint64_t reap_since, swept; /* ms, CLOCK_MONOTONIC */
	unsigned int ending; /* adopted leases waiting to be let go */
	uint64_t ending_swept; /* ms: their last check */
};

/* log.c */
void tb_log_init(int to_stderr);
void tb_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tb_log_lines(int prio, const char *text);
void tb_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* netlink.c: every change to the kernel's links goes through here. */
struct tb_bridge_info {
	int ifindex;
	unsigned int mtu;
};

typedef void (*tb_nl_link_fn)(void *arg, int ifindex, int gone, int carrier,
			      uint32_t tun_owner);
typedef void (*tb_nl_scan_fn)(void *arg, int ifindex, const char *ifname,
			      const char *alias, unsigned int mtu, int carrier);

int tb_nl_open(struct tb_nl **out);
void tb_nl_close(struct tb_nl *nl);
int tb_nl_bridge_get(struct tb_nl *nl, const char *name,
		     struct tb_bridge_info *br, char *why, size_t whylen);
int tb_nl_port_join(struct tb_nl *nl, int ifindex, int master, unsigned int mtu,
		    const uint8_t mac[6], const char *alias);
int tb_nl_events_open(struct tb_nl *nl, tb_nl_link_fn changed, void *arg);
int tb_nl_events_read(struct tb_nl *nl);
int tb_nl_link_carrier(struct tb_nl *nl, int ifindex);
int tb_nl_link_group(struct tb_nl *nl, int ifindex, uint32_t group);
int tb_nl_group_del(struct tb_nl *nl, uint32_t group);
int tb_nl_scan(struct tb_nl *nl, tb_nl_scan_fn fn, void *arg);
int tb_nl_link_del(struct tb_nl *nl, int ifindex);
int tb_nl_link_get(struct tb_nl *nl, const char *name, int *ifindex,
		   unsigned int *mtu);
int tb_nl_macvtap_add(struct tb_nl *nl, const char *name, int lower, int mode,
		      unsigned int mtu, const uint8_t mac[6]);
int tb_nl_link_up(struct tb_nl *nl, int ifindex, const char *alias);
int tb_nl_link_info(struct tb_nl *nl, const char *name,
		    struct tb_link_info *info);
int tb_nl_link_restore(struct tb_nl *nl, const struct tb_link_info *was);
struct tb_vlan_set;
struct tb_prefix;
int tb_nl_route_add(struct tb_nl *nl, int ifindex, const struct tb_prefix *dst,
		    uint32_t table, uint32_t metric);
int tb_nl_addr_add(struct tb_nl *nl, int ifindex, const struct tb_prefix *p);
int tb_nl_route_multipath(struct tb_nl *nl, const int *ifindex, size_t n,
			  const struct tb_prefix *dst, uint32_t table,
			  uint32_t metric);
int tb_nl_proxy(struct tb_nl *nl, int add, int ifindex,
		const struct tb_prefix *p);
typedef void (*tb_nl_route_fn)(void *arg, int ifindex,
			       const struct tb_prefix *dst, uint32_t table,
			       uint32_t metric);
int tb_nl_route_scan(struct tb_nl *nl, tb_nl_route_fn fn, void *arg);
#define TB_NH_GROUP_MAX 16 /* members of one nexthop group: NICs of a VM */
int tb_nl_nexthop_dev(struct tb_nl *nl, uint32_t id, int ifindex);
int tb_nl_nexthop_group(struct tb_nl *nl, uint32_t id, const uint32_t *members,
			size_t n, int replace);
int tb_nl_nexthop_del(struct tb_nl *nl, uint32_t id);
int tb_nl_route_nhid(struct tb_nl *nl, const struct tb_prefix *dst,
		     uint32_t table, uint32_t metric, uint32_t nhid);
int tb_nl_route_nhid_get(struct tb_nl *nl, const struct tb_prefix *dst,
			 uint32_t table, uint32_t metric, uint32_t *nhid);
int tb_nl_bridge_vlans(struct tb_nl *nl, int ifindex, int *filtering,
		       unsigned int *default_pvid);
int tb_nl_port_vlans(struct tb_nl *nl, int ifindex, unsigned int access,
		     const struct tb_vlan_set *tagged, unsigned int drop);

/* tun.c: /dev/net/tun. */
int tb_tun_init(void);
int tb_tun_create(unsigned int iff, char ifname[IFNAMSIZ], int *ifindex);
int tb_macvtap_open(int ifindex, unsigned int iff);
int tb_tun_attach(const char *name, unsigned int iff);
unsigned int tb_tun_flags(const struct tb_request *req);
const char *tb_who_name(const struct tb_who *who, char *buf, size_t len);
int tb_queues_check(struct tb_broker *b, const struct tb_who *who,
		    const struct tb_request *req, struct tb_reply *rep);
int tb_do_queues(struct tb_broker *b, const struct tb_request *req,
		 struct tb_reply *rep, int *fds, size_t *nfds);

/* request.c: one request, decided and carried out. */
int tb_do_tap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
	      const struct tb_request *req, struct tb_reply *rep, int *fd);
int tb_refuse(struct tb_reply *rep, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tb_tap_mac(uint8_t mac[6]);
int tb_quota_check(struct tb_broker *b, const struct tb_who *who,
		   struct tb_reply *rep);

/* What a port's VLANs are to be; any == 0: leave the bridge's default. */
struct tb_port_vlans {
	int any;
	unsigned int access, drop;
	struct tb_vlan_set tagged;
};

/* adopt.c: a pre-made tap put to use, and put back at the end. */
int tb_adopt_port(struct tb_broker *b, const struct tb_who *who, pid_t vm,
		  const struct tb_request *req, const struct tb_bridge_info *br,
		  unsigned int mtu, const struct tb_port_vlans *pv,
		  struct tb_reply *rep);

/* routed.c: a tap with host routes and no bridge. */
int tb_do_routed(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		 const struct tb_request *req, struct tb_reply *rep, int *fd);
void tb_routed_release(struct tb_broker *b, const struct tb_lease *l);
int tb_routed_rescan(struct tb_broker *b);

/* macvtap.c: a macvtap on a lower device, watched by its VM's pidfd. */
int tb_do_macvtap(struct tb_broker *b, const struct tb_who *who, pid_t caller,
		  const struct tb_request *req, struct tb_reply *rep, int *fd);

/* lease.c: what was handed out, recorded in the kernel. */
void tb_lease_alias(char *buf, size_t len, uid_t uid, pid_t vm,
		    const char *bridge);
pid_t tb_lease_vm(pid_t pid, int launcher);
void tb_lease_alias_macvtap(char *buf, size_t len, const struct tb_lease *l);
void tb_lease_alias_label(char *buf, size_t len, const char *label);

/* What /proc says about a process. */
struct tb_proc {
	char comm[16];
	pid_t ppid;
	unsigned long long start; /* clock ticks after boot */
};

int tb_proc_read(pid_t pid, struct tb_proc *p);
int tb_proc_uid(pid_t pid, uid_t *uid);
pid_t tb_proc_vm(pid_t caller, int launcher, struct tb_proc *vm);
int tb_lease_watch(struct tb_broker *b, struct tb_lease *l);
void tb_lease_vm_exited(struct tb_broker *b, int pidfd);
int tb_lease_add(struct tb_broker *b, const struct tb_lease *l);
unsigned int tb_lease_count(const struct tb_broker *b, uid_t uid);
void tb_lease_link(void *arg, int ifindex, int gone, int carrier,
		   uint32_t tun_owner);
int tb_lease_tick(struct tb_broker *b);
void tb_lease_reap(struct tb_broker *b, int ifindex);
void tb_lease_events(struct tb_broker *b);
int tb_lease_rescan(struct tb_broker *b);
int tb_lease_release(struct tb_broker *b, const char *ifname, uid_t by);
int tb_lease_cancel(struct tb_broker *b, const char *ifname, const char *why);
struct tb_lease *tb_lease_named(struct tb_broker *b, const char *ifname);
void tb_lease_free(struct tb_broker *b);

/* server.c: the listening socket and its connections. */
int tb_server_listen(const char *path);
int tb_server_inherit(char *path, size_t len);
void tb_server_notify(const char *state);
int tb_server_serve(struct tb_broker *b, int conn);
void tb_server_reload(struct tb_broker *b);

/* loop.c: one epoll loop for the socket, connections and signals. */
int tb_loop_init(struct tb_broker *b);
void tb_loop_run(struct tb_broker *b);
void tb_loop_free(struct tb_broker *b);
int tb_loop_watch(struct tb_broker *b, int pidfd);

/* admin.c: status and release, both ends. */
void tb_admin_answer(struct tb_broker *b, int conn, const struct tb_who *who,
		     const struct tb_request *req);
int tb_admin_main(int argc, char **argv);

/* explain.c: `tapbroker explain`. */
int tb_explain_main(int argc, char **argv);

/* closer.c: the broker's copies of handed-out fds, closed off the loop. */
int tb_closer_start(void);
void tb_closer_close(int fd);
void tb_closer_stop(void);

/* privilege.c: how privilege is narrowed, in one place. */
void tb_priv_drop(void);
void tb_priv_seccomp(enum tb_seccomp_mode mode);

#endif
