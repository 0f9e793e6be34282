// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's row (issue 13): the same direct request with --mac, on the
 * same bridge and warm pool, from a broker whose rule has no guard and
 * from one whose rule says guard = yes; its latency, and the broker's CPU
 * time per lease (its start, its guard made, its end and guard removed).
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	double p50[2], p99[2], cpu[2]; /* [guarded]: ms, ms, ms per lease */
	int failed; /* -errno of the guarded broker's refusal, or 0 */
} bn_g;

/* @e->n leases from the broker now running, each with its own MAC (a
 * static FDB entry lasts until its tap is deleted). */
static int bn_guard_sample(struct bn_env *e, int guarded)
{
	double *v = calloc(e->n, sizeof(double));
	unsigned long long cpu0;
	char mac[18];
	uint64_t t0;
	int fd = 0;

	if (!v)
		bn_die("out of memory");
	bn_pool_wait(e);
	cpu0 = bn_broker_cpu_ns(e);
	for (unsigned int i = 0; i < e->n && fd >= 0; i++) {
		snprintf(mac, sizeof(mac), "52:54:01:%02x:%02x:%02x",
			 (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
		bn_pool_wait(e);
		t0 = bn_now_ns();
		fd = bn_tb_ask_mac(e->sock, mac);
		v[i] = (double)(bn_now_ns() - t0) / 1e6;
		if (fd >= 0)
			close(fd); /* the lease ends: its guard goes */
	}
	usleep(300000); /* the last batch of ended taps deleted */
	bn_broker_settle(e);
	bn_g.cpu[guarded] = (double)(bn_broker_cpu_ns(e) - cpu0) / 1e6 / e->n;
	qsort(v, e->n, sizeof(*v), bn_cmp_double);
	bn_g.p50[guarded] = bn_pct(v, e->n, 50);
	bn_g.p99[guarded] = bn_pct(v, e->n, 99);
	free(v);
	return fd < 0 ? fd : 0;
}

/* Both brokers in turn, then the bench's own broker again. */
void bn_guard(struct bn_env *e)
{
	for (int guarded = 0; guarded < 2; guarded++) {
		bn_progress("guard: %s", guarded ? "guard = yes" : "no guard");
		bn_broker_stop(e);
		e->rule_extra = guarded ? "\tguard = yes\n" : "";
		bn_broker_start(e);
		bn_g.failed = bn_guard_sample(e, guarded);
		if (bn_g.failed && !guarded)
			bn_die("guard row, no guard: %s",
			       strerror(-bn_g.failed));
	}
	bn_broker_stop(e);
	e->rule_extra = "";
	bn_broker_start(e);
}

void bn_guard_print(void)
{
	bn_section("guard: direct, --mac, warm pool, same bridge", "p50 ms off",
		   "p50 ms on", "p99 ms on", "CPU ms/l off", "CPU ms/l on");
	if (bn_g.failed) {
		bn_row("a lease without / with guard = yes", "skipped",
		       strerror(-bn_g.failed), "", "", "");
		return;
	}
	bn_row("a lease without / with guard = yes",
	       bn_fmt("%.3f", bn_g.p50[0]), bn_fmt("%.3f", bn_g.p50[1]),
	       bn_fmt("%.3f", bn_g.p99[1]), bn_fmt("%.3f", bn_g.cpu[0]),
	       bn_fmt("%.3f", bn_g.cpu[1]));
}
