// SPDX-License-Identifier: GPL-2.0-or-later
/* tapbroker benchmark: tapbroker against qemu-bridge-helper, ip and the floor. */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/*
 * Theory of operation
 *
 * In a network namespace of its own with one bridge (ns.c), the bench
 * starts tapbroker, then measures, all in one run, and prints one table:
 *  1. per-tap allocation latency of six candidates (alloc.c), and of a
 *     fork + exec of /bin/true as a yardstick for the exec'd ones, with 0,
 *     10, 100 and 1000 other ports on the bridge; the candidates take
 *     turns within each round, starting one further each round, so drift
 *     hits them all alike; after each round the round's taps are deleted
 *     in one batch, untimed;
 *  2. what a teardown costs, per tap, three ways;
 *  3. allocations per second with 1, 8 and 64 clients (load.c);
 *  4. p50/p99 latency while other taps are torn down, against idle;
 *  5. the broker's VmRSS and open fds, before and after all of it.
 *
 * The broker keeps a warm pool of BN_POOL taps in the bridge (issue 15).
 * Before each "warm pool" sample the bench waits, untimed, until the pool
 * is full again (a VM's NIC request normally finds it so); before each
 * "pool empty" sample it empties the pool, untimed, so that sample is the
 * fallback: a tap made on request.  The no-op helper (bench/noop-helper,
 * linked like tapbroker-helper) is the floor of any exec'd helper: fork,
 * exec, one fd of /dev/net/tun passed back, exit.
 */

#define BN_LEVELS 4
#define BN_WARMUP 3 /* untimed rounds first: page cache, dentries */
#define BN_BATCH 6 /* taps per batched teardown sample */
#define BN_QBH_PATH "/usr/lib/qemu/qemu-bridge-helper"

static const unsigned int bn_levels[BN_LEVELS] = {0, 10, 100, 1000};
static const unsigned int bn_clients[3] = {1, 8, 64};

enum bn_cand_id {
	BN_FLOOR_IOCTL,
	BN_FLOOR_NL,
	BN_TB_DIRECT,
	BN_TB_COLD,
	BN_EXEC,
	BN_NOOP,
	BN_TB_HELPER,
	BN_QBH,
	BN_IP,
	BN_NCAND
};

static const struct bn_cand {
	const char *label;
	bn_alloc_fn fn;
} bn_cands[BN_NCAND] = {
	[BN_FLOOR_IOCTL] = {"floor, in-process, ioctl (SIOCBRADDIF)",
			    bn_floor_ioctl},
	[BN_FLOOR_NL] = {"floor, in-process, netlink (2 RTM_NEWLINK)",
			 bn_floor_netlink},
	[BN_TB_DIRECT] = {"tapbroker, direct socket, warm pool", bn_tb_direct},
	[BN_TB_COLD] = {"tapbroker, direct socket, pool empty", bn_tb_direct},
	[BN_EXEC] = {"no tap: fork + exec /bin/true + wait", bn_exec_true},
	[BN_NOOP] = {"no tap: static no-op helper (helper floor)", bn_noop},
	[BN_TB_HELPER] = {"tapbroker-helper, as QEMU runs it, warm pool",
			  bn_tb_helper},
	[BN_QBH] = {"qemu-bridge-helper, as QEMU runs it", bn_qbh},
	[BN_IP] = {"ip tuntap add + ip link set (exec'd)", bn_ip_script},
};

struct bn_lat {
	double p50, p90, p99;
};

struct bn_results {
	struct bn_lat lat[BN_LEVELS][BN_NCAND];
	struct bn_lat td_close, td_ipdel, td_batch;
	double tput[3][2]; /* [clients][via helper] */
	unsigned int tfail[3][2];
	struct bn_churn_result churn;
	long rss0, hwm0, rss1, hwm1;
	int fds0, fds1;
};

static int bn_enabled(const struct bn_env *e, int c)
{
	return (c != BN_QBH || e->qbh) && (c != BN_IP || e->ip) &&
	       (c != BN_EXEC || !access("/bin/true", X_OK)) &&
	       (c != BN_NOOP || !access(e->noop, X_OK));
}

static struct bn_lat bn_stats(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), bn_cmp_double);
	return (struct bn_lat){bn_pct(v, n, 50), bn_pct(v, n, 90),
			       bn_pct(v, n, 99)};
}

/* Untimed, before candidate @c: the warm pool full, or emptied into @fds. */
static void bn_pool_prepare(struct bn_env *e, unsigned int c, int *fds)
{
	int err;

	if (c == BN_TB_DIRECT || c == BN_TB_HELPER)
		bn_pool_wait(e);
	if (c != BN_TB_COLD)
		return;
	err = bn_pool_drain(e, fds, BN_POOL);
	if (err)
		bn_die("cannot empty the warm pool: %s", strerror(-err));
}

/* Round @i: each candidate once, from a rotating start; then delete all. */
static void bn_round(struct bn_env *e, unsigned int i, double *v[BN_NCAND])
{
	struct bn_tap taps[BN_NCAND + BN_POOL];
	unsigned int k, c;
	uint64_t t0;
	int err, drained[BN_POOL];

	for (k = 0; k < BN_POOL; k++)
		taps[BN_NCAND + k].fd = -1;
	for (k = 0; k < BN_NCAND; k++) {
		c = (i + k) % BN_NCAND;
		taps[k].fd = -1;
		if (!bn_enabled(e, c))
			continue;
		bn_pool_prepare(e, c, drained);
		if (c == BN_TB_COLD)
			for (unsigned int d = 0; d < BN_POOL; d++)
				taps[BN_NCAND + d].fd = drained[d];
		t0 = bn_now_ns();
		err = bn_cands[c].fn(e, &taps[k]);
		if (err)
			bn_die("%s: %s", bn_cands[c].label, strerror(-err));
		if (v)
			v[c][i] = (double)(bn_now_ns() - t0) / 1e6;
	}
	bn_ns_reap(e, taps, BN_NCAND + BN_POOL);
}

/* e->n rounds with @ports filling taps on the bridge. */
static void bn_latency(struct bn_env *e, unsigned int ports,
		       struct bn_lat out[BN_NCAND])
{
	double *v[BN_NCAND];
	unsigned int i, c;

	bn_progress("latency, %u other ports on %s", ports, BN_BRIDGE);
	bn_ns_fill(e, ports);
	for (c = 0; c < BN_NCAND; c++) {
		v[c] = calloc(e->n, sizeof(double));
		if (!v[c])
			bn_die("out of memory");
	}
	for (i = 0; i < e->n; i++)
		bn_round(e, i, v);
	for (c = 0; c < BN_NCAND; c++) {
		out[c] = bn_stats(v[c], e->n);
		free(v[c]);
	}
}

/* Teardown samples: the last close() of a bridged, non-persistent tap. */
static double bn_td_close(struct bn_env *e)
{
	struct bn_tap t;
	uint64_t t0;

	if (bn_floor_ioctl(e, &t))
		bn_die("cannot make a tap for the teardown samples");
	t0 = bn_now_ns();
	close(t.fd);
	return (double)(bn_now_ns() - t0) / 1e6;
}

/* ... "ip link del" of a persistent tap made by the ip script. */
static double bn_td_ipdel(struct bn_env *e)
{
	struct bn_tap t;
	uint64_t t0;

	if (bn_ip_script(e, &t))
		bn_die("cannot make a tap with ip for the teardown samples");
	close(t.fd);
	t0 = bn_now_ns();
	if (bn_ip_del(e, t.name))
		bn_die("ip link del %s failed", t.name);
	return (double)(bn_now_ns() - t0) / 1e6;
}

/* ... one RTM_DELLINK for a group of BN_BATCH taps, then their close(). */
static double bn_td_batch(struct bn_env *e)
{
	struct bn_tap t[BN_BATCH];
	uint64_t t0;
	int i;

	for (i = 0; i < BN_BATCH; i++)
		if (bn_floor_ioctl(e, &t[i]))
			bn_die("cannot make taps for the teardown samples");
	if (bn_nl_regroup_ports(e->nl, e->br_index) != BN_BATCH)
		bn_die("cannot mark taps for a batched teardown");
	t0 = bn_now_ns();
	if (bn_nl_del(e->nl, 0, BN_GROUP_REAP))
		bn_die("cannot delete a group of taps");
	for (i = 0; i < BN_BATCH; i++)
		close(t[i].fd);
	return (double)(bn_now_ns() - t0) / 1e6 / BN_BATCH;
}

static struct bn_lat bn_sample(struct bn_env *e, double (*fn)(struct bn_env *),
			       unsigned int m)
{
	double *v = calloc(m, sizeof(double));
	struct bn_lat l;
	unsigned int i;

	if (!v)
		bn_die("out of memory");
	for (i = 0; i < m; i++)
		v[i] = fn(e);
	l = bn_stats(v, m);
	free(v);
	return l;
}

static void bn_teardown(struct bn_env *e, struct bn_results *r)
{
	unsigned int m = e->n / 10 < 10 ? 10 : e->n / 10;

	bn_progress("teardown");
	r->td_close = bn_sample(e, bn_td_close, m);
	if (e->ip)
		r->td_ipdel = bn_sample(e, bn_td_ipdel, m);
	r->td_batch = bn_sample(e, bn_td_batch, m);
}

static void bn_load(struct bn_env *e, struct bn_results *r)
{
	unsigned int i, h;

	for (i = 0; i < 3; i++)
		for (h = 0; h < 2; h++) {
			bn_progress("throughput, %u client%s, %s",
				    bn_clients[i], bn_clients[i] > 1 ? "s" : "",
				    h ? "via tapbroker-helper" : "direct");
			r->tput[i][h] = bn_throughput(e, bn_clients[i], h,
						      &r->tfail[i][h]);
		}
	bn_progress("churn");
	bn_churn(e, &r->churn);
}

/* Measures everything, in the order the theory of operation gives. */
static void bn_measure(struct bn_env *e, struct bn_results *r)
{
	unsigned int l;

	bn_broker_usage(e, &r->rss0, &r->hwm0, &r->fds0);
	bn_progress("warm-up");
	for (l = 0; l < BN_WARMUP; l++)
		bn_round(e, l, NULL);
	bn_latency(e, bn_levels[0], r->lat[0]);
	bn_teardown(e, r);
	bn_load(e, r);
	for (l = 1; l < BN_LEVELS; l++)
		bn_latency(e, bn_levels[l], r->lat[l]);
	bn_ns_fill(e, 0);
	bn_broker_usage(e, &r->rss1, &r->hwm1, &r->fds1);
	bn_progress("done");
}

static double bn_floor(const struct bn_lat *lat)
{
	double a = lat[BN_FLOOR_IOCTL].p50, b = lat[BN_FLOOR_NL].p50;

	return a < b ? a : b;
}

static void bn_print_level(const struct bn_env *e, const struct bn_results *r,
			   unsigned int l)
{
	const struct bn_lat *lat = r->lat[l];
	double qbh = e->qbh ? lat[BN_QBH].p50 : 0, floor = bn_floor(lat);
	int c;

	bn_section(bn_fmt("latency, %u other ports on %s", bn_levels[l],
			  BN_BRIDGE),
		   "p50 ms", "p90 ms", "p99 ms", "x qbh p50", "x floor p50");
	for (c = 0; c < BN_NCAND; c++) {
		if (!bn_enabled(e, c)) {
			bn_row(bn_cands[c].label, "skipped", "", "", "", "");
			continue;
		}
		bn_row(bn_cands[c].label, bn_fmt("%.3f", lat[c].p50),
		       bn_fmt("%.3f", lat[c].p90), bn_fmt("%.3f", lat[c].p99),
		       qbh ? bn_fmt("%.2f", lat[c].p50 / qbh) : "n/a",
		       bn_fmt("%.2f", lat[c].p50 / floor));
	}
}

static void bn_print_teardown(const struct bn_env *e,
			      const struct bn_results *r)
{
	const struct bn_lat *l[3] = {&r->td_close, &r->td_ipdel, &r->td_batch};
	static const char *const label[3] = {
		"last close() of a bridged tap's fd",
		"ip link del (exec'd), persistent tap",
		"one RTM_DELLINK for 6 taps (group), per tap",
	};
	int i;

	bn_section("teardown, per tap (not in the latencies)", "p50 ms",
		   "p90 ms", "p99 ms", "", "");
	for (i = 0; i < 3; i++) {
		if (i == 1 && !e->ip)
			bn_row(label[i], "skipped", "", "", "", "");
		else
			bn_row(label[i], bn_fmt("%.3f", l[i]->p50),
			       bn_fmt("%.3f", l[i]->p90),
			       bn_fmt("%.3f", l[i]->p99), "", "");
	}
}

static void bn_print_load(const struct bn_env *e, const struct bn_results *r)
{
	const struct bn_churn_result *c = &r->churn;
	unsigned int i;

	bn_section(bn_fmt("throughput, %u taps per row", e->total), "allocs/s",
		   "failed", "", "", "");
	for (i = 0; i < 6; i++)
		bn_row(bn_fmt("tapbroker, %u client%s, %s", bn_clients[i / 2],
			      i / 2 ? "s" : "",
			      i % 2 ? "via tapbroker-helper" : "direct socket"),
		       bn_fmt("%.0f", r->tput[i / 2][i % 2]),
		       bn_fmt("%u", r->tfail[i / 2][i % 2]), "", "", "");
	bn_section("tapbroker-helper under teardown churn", "p50 ms", "p99 ms",
		   "x idle p99", "teardowns/s", "");
	bn_row("idle", bn_fmt("%.3f", c->idle_p50), bn_fmt("%.3f", c->idle_p99),
	       "1.00", "0", "");
	bn_row("2 processes creating and closing bridged taps",
	       bn_fmt("%.3f", c->churn_p50), bn_fmt("%.3f", c->churn_p99),
	       bn_fmt("%.2f", c->churn_p99 / c->idle_p99),
	       bn_fmt("%.0f", c->teardowns_per_s), "");
	bn_section("tapbroker process", "before", "after", "peak", "", "");
	bn_row("VmRSS, KiB (peak: VmHWM)", bn_fmt("%ld", r->rss0),
	       bn_fmt("%ld", r->rss1), bn_fmt("%ld", r->hwm1), "", "");
	bn_row("open fds", bn_fmt("%d", r->fds0), bn_fmt("%d", r->fds1), "", "",
	       "");
}

/* Lowest and highest ratio of candidate @c to @ref over levels @from.. */
static void bn_ratio_range(const struct bn_results *r, int c, int ref,
			   unsigned int from, double *lo, double *hi)
{
	unsigned int l;
	double x, den;

	*lo = 1e9;
	*hi = 0;
	for (l = from; l < BN_LEVELS; l++) {
		den = ref < 0 ? bn_floor(r->lat[l]) : r->lat[l][ref].p50;
		x = r->lat[l][c].p50 / den;
		*lo = x < *lo ? x : *lo;
		*hi = x > *hi ? x : *hi;
	}
}

/* One target row; @prec is the number of decimals shown. */
static void bn_target(const char *what, const char *target, double lo,
		      double hi, int prec, int met)
{
	bn_row(what, target,
	       lo == hi ? bn_fmt("%.*f", prec, lo)
			: bn_fmt("%.*f-%.*f", prec, lo, prec, hi),
	       met ? "met" : "MISSED", "", "");
}

static void bn_print_targets(const struct bn_env *e, const struct bn_results *r)
{
	double lo, hi, rss = (r->hwm1 > r->rss1 ? r->hwm1 : r->rss1) / 1024.0;
	double churn = r->churn.churn_p99 / r->churn.idle_p99;

	bn_section("targets (issue 6)", "target", "measured", "verdict", "",
		   "");
	if (e->qbh) {
		bn_ratio_range(r, BN_TB_HELPER, BN_QBH, 0, &lo, &hi);
		bn_target("helper p50 / qbh p50, 0-1000 ports", "<= 0.50", lo,
			  hi, 2, hi <= 0.5);
	}
	bn_ratio_range(r, BN_TB_HELPER, -1, 1, &lo, &hi);
	bn_target("helper p50 / floor p50, 10-1000 ports", "<= 1.30", lo, hi, 2,
		  hi <= 1.3);
	bn_ratio_range(r, BN_TB_DIRECT, -1, 1, &lo, &hi);
	bn_target("direct p50 / floor p50, 10-1000 ports", "<= 1.30", lo, hi, 2,
		  hi <= 1.3);
	bn_target("allocs/s, 8 clients, direct socket", ">= 1000",
		  r->tput[1][0], r->tput[1][0], 0, r->tput[1][0] >= 1000);
	bn_target("allocs/s, 8 clients, via tapbroker-helper", ">= 1000",
		  r->tput[1][1], r->tput[1][1], 0, r->tput[1][1] >= 1000);
	bn_target("p99 under churn / idle p99", "<= 2.00", churn, churn, 2,
		  churn <= 2);
	bn_target("broker VmRSS, MiB (max of after and peak)", "<= 4.00", rss,
		  rss, 2, rss <= 4);
}

/* Issue 15's targets: the helper's own cost, the warm pool, flatness. */
static void bn_print_targets15(const struct bn_env *e,
			       const struct bn_results *r)
{
	const struct bn_lat(*lat)[BN_NCAND] = r->lat;
	double lo, hi, x;
	unsigned int l;

	bn_section("targets (issue 15)", "target", "measured", "verdict", "",
		   "");
	for (l = 0; l < BN_LEVELS; l++) {
		const char *what =
			bn_fmt("(helper - floor) / (qbh - floor), %u ports",
			       bn_levels[l]);

		if (!e->qbh || !bn_enabled(e, BN_NOOP)) {
			bn_row(what, "<= 0.25", "skipped", "", "", "");
			continue;
		}
		x = (lat[l][BN_TB_HELPER].p50 - lat[l][BN_NOOP].p50) /
		    (lat[l][BN_QBH].p50 - lat[l][BN_NOOP].p50);
		bn_target(what, "<= 0.25", x, x, 2, x <= 0.25);
	}
	bn_ratio_range(r, BN_TB_DIRECT, -1, 0, &lo, &hi);
	bn_target("warm pool: direct p50 / floor p50, 0-1000 ports", "<= 0.60",
		  lo, hi, 2, hi <= 0.6);
	x = lat[3][BN_TB_DIRECT].p50 / lat[1][BN_TB_DIRECT].p50;
	bn_target("flat: direct p50 at 1000 / at 10 ports", "<= 1.15", x, x, 2,
		  x <= 1.15);
	bn_target("allocs/s, 8 clients, direct socket", ">= 3000",
		  r->tput[1][0], r->tput[1][0], 0, r->tput[1][0] >= 3000);
	bn_ratio_range(r, BN_TB_COLD, -1, 0, &lo, &hi);
	bn_row("pool empty (burst): direct p50 / floor p50", "(shown)",
	       bn_fmt("%.2f-%.2f", lo, hi), "-", "", "");
}

/* The plot of every row's p50 against the number of ports (plot.c). */
static void bn_print_plot(const struct bn_env *e, const struct bn_results *r)
{
	double p50[BN_NCAND * BN_LEVELS];
	const char *labels[BN_NCAND];
	unsigned int c, l, n = 0;
	int err;

	if (!e->plot)
		return;
	for (c = 0; c < BN_NCAND; c++) {
		if (!bn_enabled(e, (int)c))
			continue;
		labels[n] = bn_cands[c].label;
		for (l = 0; l < BN_LEVELS; l++)
			p50[n * BN_LEVELS + l] = r->lat[l][c].p50;
		n++;
	}
	err = bn_plot(e->plot, bn_levels, BN_LEVELS, labels, p50, n);
	if (err)
		printf("\nplot not made: %s%s\n", strerror(-err),
		       err == -ENOENT ? " (apt-get install gnuplot-nox)" : "");
	else
		printf("\nplot: %s.png, %s.svg (p50 against ports, every row)\n",
		       e->plot, e->plot);
}

static void bn_header(const struct bn_env *e)
{
	char date[64], model[128] = "?", line[256], load[64] = "?";
	time_t now = time(NULL);
	struct utsname u;
	FILE *f;

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	uname(&u);
	f = fopen("/proc/cpuinfo", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "model name : %127[^\n]", model) == 1)
			break;
	if (f)
		fclose(f);
	f = fopen("/proc/loadavg", "re");
	if (!f || !fgets(load, sizeof(load), f))
		snprintf(load, sizeof(load), "?\n");
	if (f)
		fclose(f);
	printf("tapbroker bench, %s\n\n", date);
	printf("- machine: %s %s %s, %ld CPUs (%s), load average at start %.14s\n",
	       u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
	       model, load);
	printf("- tapbroker: %s, revision %s\n", e->broker,
	       e->rev && *e->rev ? e->rev : "unknown");
	printf("- run: %u samples per latency row, %u taps per throughput row; "
	       "ratios are of p50s; floor = the faster floor row\n\n",
	       e->n, e->total);
}

static void bn_print(const struct bn_env *e, const struct bn_results *r)
{
	unsigned int l;

	bn_header(e);
	for (l = 0; l < BN_LEVELS; l++)
		bn_print_level(e, r, l);
	bn_print_teardown(e, r);
	bn_print_load(e, r);
	bn_print_targets(e, r);
	bn_print_targets15(e, r);
	bn_print_plot(e, r);
	if (!e->qbh)
		printf("\nqemu-bridge-helper skipped: %s\n", e->qbh_why);
	if (!e->ip)
		printf("\nip script skipped: ip (iproute2) is not installed\n");
}

static const char bn_usage[] =
	"Usage: bench [-n SAMPLES] [-t TAPS] [--broker PATH] [--helper PATH]\n"
	"             [--qbh PATH] [--ip PATH] [--noop PATH] [--plot PREFIX]\n"
	"             [--rev TEXT]\n"
	"\n"
	"Measures tapbroker against qemu-bridge-helper, ip(8) and the in-process\n"
	"floor in a private network namespace, and prints one Markdown table.\n"
	"Must run as root; otherwise it says so and exits 77 (skipped).\n"
	"\n"
	"  -n, --samples N  samples per latency row (default 300)\n"
	"  -t, --taps N     allocations per throughput row (default 512)\n"
	"  --broker PATH    tapbroker (default: ../tapbroker from this program)\n"
	"  --helper PATH    tapbroker-helper (default: likewise)\n"
	"  --qbh PATH       qemu-bridge-helper (default " BN_QBH_PATH ")\n"
	"  --ip PATH        ip (default: /usr/sbin/ip, /sbin/ip, /usr/bin/ip, /bin/ip)\n"
	"  --noop PATH      the no-op helper, the exec'd helper floor (default:\n"
	"                   bench/noop-helper next to this program)\n"
	"  --plot PREFIX    write PREFIX.png and PREFIX.svg with gnuplot\n"
	"  --rev TEXT       the source revision measured, shown in the header\n";

/* @name next to the build directory this program sits in (bench/..). */
static const char *bn_sibling(const char *name)
{
	static char exe[3][BN_PATH_MAX];
	static int n;
	char *b = exe[n++ % 3], *slash;
	ssize_t len = readlink("/proc/self/exe", b, BN_PATH_MAX - 32);
	int i;

	if (len < 0)
		return name;
	b[len] = '\0';
	for (i = 0; i < 2; i++) {
		slash = strrchr(b, '/');
		if (!slash)
			return name;
		*slash = '\0';
	}
	snprintf(slash, 32, "/%s", name);
	return b;
}

static const char *bn_find_ip(void)
{
	static const char *const where[] = {"/usr/sbin/ip", "/sbin/ip",
					    "/usr/bin/ip", "/bin/ip"};
	unsigned int i;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (!access(where[i], X_OK))
			return where[i];
	return NULL;
}

static unsigned int bn_count_arg(const char *arg, const char *what)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || !v || v > 100000)
		bn_die("%s must be a number from 1 to 100000, not '%s'", what,
		       arg);
	return (unsigned int)v;
}

static const struct option bn_opts[] = {
	{"samples", required_argument, NULL, 'n'},
	{"taps", required_argument, NULL, 't'},
	{"broker", required_argument, NULL, 'b'},
	{"helper", required_argument, NULL, 'H'},
	{"qbh", required_argument, NULL, 'q'},
	{"ip", required_argument, NULL, 'i'},
	{"rev", required_argument, NULL, 'r'},
	{"noop", required_argument, NULL, 'N'},
	{"plot", required_argument, NULL, 'P'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void bn_args(int argc, char **argv, struct bn_env *e)
{
	int o;

	while ((o = getopt_long(argc, argv, "n:t:h", bn_opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			e->n = bn_count_arg(optarg, "-n");
			break;
		case 't':
			e->total = bn_count_arg(optarg, "-t");
			break;
		case 'b':
			e->broker = optarg;
			break;
		case 'H':
			e->helper = optarg;
			break;
		case 'q':
			e->qbh = optarg;
			break;
		case 'i':
			e->ip = optarg;
			break;
		case 'r':
			e->rev = optarg;
			break;
		case 'N':
			e->noop = optarg;
			break;
		case 'P':
			e->plot = optarg;
			break;
		case 'h':
			fputs(bn_usage, stdout);
			exit(0);
		default:
			fputs(bn_usage, stderr);
			exit(2);
		}
	}
	if (optind != argc)
		bn_die("unexpected argument '%s' (see --help)", argv[optind]);
	if (e->total > 4096)
		bn_die("-t is at most 4096, the broker's largest quota");
}

/* Root, /dev/net/tun and our own binaries; else skip (77) or fail. */
static void bn_check(struct bn_env *e)
{
	if (geteuid()) {
		printf("bench: needs root (it makes network and mount namespaces, a bridge and taps); skipped\n");
		exit(77);
	}
	if (access("/dev/net/tun", R_OK | W_OK)) {
		printf("bench: /dev/net/tun is missing (modprobe tun); skipped\n");
		exit(77);
	}
	if (access(e->broker, X_OK) || access(e->helper, X_OK))
		bn_die("%s or %s is not built (run make first)", e->broker,
		       e->helper);
	if (access(e->qbh, X_OK)) {
		snprintf(
			e->qbh_why, sizeof(e->qbh_why),
			"%s is not installed (apt-get install qemu-system-common)",
			e->qbh);
		e->qbh = NULL;
	}
}

int main(int argc, char **argv)
{
	static struct bn_results r;
	struct bn_env e = {.n = 300, .total = 512, .qbh = BN_QBH_PATH};

	e.broker = bn_sibling("tapbroker");
	e.helper = bn_sibling("tapbroker-helper");
	e.noop = bn_sibling("bench/noop-helper");
	e.ip = bn_find_ip();
	bn_args(argc, argv, &e);
	bn_check(&e);
	bn_ns_enter(&e);
	bn_ns_qemu_acl(&e);
	bn_ns_bridge(&e);
	bn_broker_start(&e);
	bn_measure(&e, &r);
	bn_broker_stop(&e);
	bn_ns_leave(&e);
	bn_print(&e, &r);
	return 0;
}
