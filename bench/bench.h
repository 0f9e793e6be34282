/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tapbroker benchmark: what its files offer one another. */
#ifndef BN_BENCH_H
#define BN_BENCH_H

#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

#define BN_BRIDGE "br0"
#define BN_GROUP_FILL 7 /* persistent taps that fill the bridge */
#define BN_GROUP_REAP 8 /* taps about to be deleted in one batch */
#define BN_PATH_MAX 160
#define BN_POOL 4 /* the broker's warm pool ("pool = 4", its default) */

/* One tap obtained by a candidate: the fd that holds it. */
struct bn_tap {
	int fd;
	char name[IFNAMSIZ]; /* set by the ip script only */
};

/* Everything a run shares: paths, the namespace's bridge, the broker. */
struct bn_env {
	const char *broker; /* tapbroker binary */
	const char *helper; /* tapbroker-helper binary */
	const char *qbh; /* qemu-bridge-helper, NULL if unusable */
	const char *ip; /* iproute2's ip, NULL if missing */
	const char *noop; /* bench/noop-helper: the exec'd helper floor */
	const char *plot; /* PREFIX for PREFIX.png/.svg, NULL: no plot */
	const char *rev; /* source revision, for the header */
	char qbh_why[160]; /* why qemu-bridge-helper is skipped */
	char tmp[64]; /* private tmpfs for every file we make */
	char sock[BN_PATH_MAX]; /* the broker's socket */
	char blog[BN_PATH_MAX]; /* the broker's stderr */
	pid_t broker_pid;
	int ctl; /* AF_INET socket for SIOC* ioctls */
	int nl; /* NETLINK_ROUTE socket */
	int br_index;
	unsigned int mtu;
	unsigned int nfill; /* persistent taps now filling the bridge */
	unsigned int n; /* iterations per latency row */
	unsigned int total; /* allocations per throughput row */
};

/* util.c: time, processes, samples. */
uint64_t bn_now_ns(void);
void bn_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bn_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
pid_t bn_spawn(const char *path, char *const argv[], int keep_fd);
int bn_wait(pid_t pid);
int bn_run(const char *path, char *const argv[]);
int bn_recv_fd(int sock);
int bn_cmp_double(const void *a, const void *b);
double bn_pct(const double *sorted, unsigned int n, unsigned int pct);

/* nl.c: raw rtnetlink and SIOC* calls on the bench's own namespace. */
int bn_nl_open(void);
int bn_nl_setlink(int nl, int ifindex, unsigned int mtu, const uint8_t *mac,
		  int master, int group);
int bn_nl_up(int nl, int ifindex);
int bn_nl_getlink(int nl, const char *name, int *ifindex, unsigned int *mtu);
int bn_nl_del(int nl, int ifindex, int group);
int bn_nl_regroup_ports(int nl, int master);
int bn_nl_pool_count(int nl, int master);
int bn_ifindex(int ctl, const char *name);
int bn_if_up(int ctl, const char *name);

/* ns.c: the private namespaces, the bridge, the broker. */
void bn_ns_enter(struct bn_env *e);
void bn_ns_qemu_acl(struct bn_env *e);
void bn_ns_bridge(struct bn_env *e);
void bn_ns_fill(struct bn_env *e, unsigned int ports);
void bn_ns_reap(struct bn_env *e, struct bn_tap *taps, unsigned int n);
void bn_broker_start(struct bn_env *e);
void bn_broker_stop(struct bn_env *e);
void bn_broker_settle(struct bn_env *e);
void bn_pool_wait(struct bn_env *e);
void bn_broker_usage(struct bn_env *e, long *rss_kib, long *hwm_kib, int *fds);
void bn_ns_leave(struct bn_env *e);

/* alloc.c: the ways of getting one bridged tap. */
typedef int (*bn_alloc_fn)(struct bn_env *e, struct bn_tap *t);
int bn_floor_ioctl(struct bn_env *e, struct bn_tap *t);
int bn_floor_netlink(struct bn_env *e, struct bn_tap *t);
int bn_fill_tap(struct bn_env *e);
int bn_tb_connect(const char *path);
int bn_tb_ask(const char *path);
int bn_bridge_helper(const char *path, const char *bridge);
int bn_tb_direct(struct bn_env *e, struct bn_tap *t);
int bn_exec_true(struct bn_env *e, struct bn_tap *t);
int bn_tb_helper(struct bn_env *e, struct bn_tap *t);
int bn_noop(struct bn_env *e, struct bn_tap *t);
int bn_pool_drain(struct bn_env *e, int *fds, unsigned int n);
int bn_qbh(struct bn_env *e, struct bn_tap *t);
int bn_ip_script(struct bn_env *e, struct bn_tap *t);
int bn_ip_del(struct bn_env *e, const char *name);

/* table.c: the one table the bench prints, in Markdown. */
const char *bn_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bn_row(const char *label, const char *c1, const char *c2, const char *c3,
	    const char *c4, const char *c5);
void bn_section(const char *label, const char *c1, const char *c2,
		const char *c3, const char *c4, const char *c5);

/* plot.c: p50 against the number of ports, with gnuplot. */
int bn_plot(const char *prefix, const unsigned int *levels, unsigned int nlev,
	    const char *const *labels, const double *p50, unsigned int nrows);

/* load.c: many clients at once, and allocation under teardown churn. */
double bn_throughput(struct bn_env *e, unsigned int clients, int via_helper,
		     unsigned int *failed);
struct bn_churn_result {
	double idle_p50, idle_p99, churn_p50, churn_p99;
	unsigned long teardowns; /* by the churners, while sampling */
	double teardowns_per_s;
};
void bn_churn(struct bn_env *e, struct bn_churn_result *r);

#endif
