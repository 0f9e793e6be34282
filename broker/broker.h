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

enum tb_seccomp_mode {
	TB_SECCOMP_KILL, /* default: a syscall off the list kills us */
	TB_SECCOMP_TRAP, /* print the syscall's number, then die */
	TB_SECCOMP_LOG, /* allow, but have the kernel log it */
	TB_SECCOMP_OFF, /* for sanitizer and valgrind runs only */
};

struct tb_nl;
struct tb_loop;

struct tb_broker {
	const char *config;
	const char *qemu_acl;
	const char *socket_path;
	int foreground;
	enum tb_seccomp_mode seccomp;
	struct tb_policy *policy;
	struct tb_nl *nl;
	int listen_fd;
	struct tb_loop *loop;
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

int tb_nl_open(struct tb_nl **out);
void tb_nl_close(struct tb_nl *nl);
int tb_nl_bridge_get(struct tb_nl *nl, const char *name,
		     struct tb_bridge_info *br, char *why, size_t whylen);
int tb_nl_port_setup(struct tb_nl *nl, int ifindex, int master,
		     unsigned int mtu, const uint8_t mac[6]);

/* tun.c: /dev/net/tun. */
int tb_tun_init(void);
int tb_tun_create(int vnet_hdr, uid_t owner, char ifname[IFNAMSIZ],
		  int *ifindex);

/* request.c: one request, decided and carried out. */
int tb_do_tap(struct tb_broker *b, const struct tb_who *who,
	      const struct tb_request *req, struct tb_reply *rep, int *fd);

/* server.c: the listening socket and its connections. */
int tb_server_listen(const char *path);
int tb_server_serve(struct tb_broker *b, int conn);
void tb_server_reload(struct tb_broker *b);

/* loop.c: one epoll loop for the socket, connections and signals. */
int tb_loop_init(struct tb_broker *b);
void tb_loop_run(struct tb_broker *b);
void tb_loop_free(struct tb_broker *b);

/* explain.c: `tapbroker explain`. */
int tb_explain_main(int argc, char **argv);

/* privilege.c: how privilege is narrowed, in one place. */
void tb_priv_drop(void);
void tb_priv_seccomp(enum tb_seccomp_mode mode);

#endif
