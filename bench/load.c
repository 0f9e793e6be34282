// SPDX-License-Identifier: GPL-2.0-or-later
/* Load on the broker: many clients at once, and allocation under churn. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define BN_MAX_CLIENTS 256
#define BN_CHURNERS 2 /* processes making and closing taps in a loop */
#define BN_CHUNK 25 /* samples per idle or churn stretch */

/*
 * Throughput: C client processes wait on a pipe, start together, and make
 * TOTAL/C allocations each, one connection per allocation, either straight
 * to the broker's socket or through tapbroker-helper as QEMU would.  They
 * hold their taps until the clock has stopped (so a client's own teardown,
 * ~15 ms of RCU waits in close(), is not counted), then the taps go in one
 * batch.  The bridge therefore grows from 0 to TOTAL ports during a run.
 *
 * Churn: BN_CHURNERS processes create a bridged tap and close it (the
 * close is the teardown) in a loop.  They are stopped (SIGSTOP, and waited
 * for, so no teardown is in flight) and continued (SIGCONT) every
 * BN_CHUNK samples, so idle and churn samples alternate over the same
 * stretch of time.
 */

/* One client: its share of allocations, then hold until released. */
static void __attribute__((noreturn))
bn_client(struct bn_env *e, unsigned int count, int via_helper, int go,
	  int done, int release)
{
	int *fds = calloc(count, sizeof(*fds));
	unsigned int i, failed = 0;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!fds || read(go, &c, 1) < 0)
		_exit(1);
	for (i = 0; i < count; i++) {
		fds[i] = via_helper ? bn_bridge_helper(e->helper, BN_BRIDGE)
				    : bn_tb_ask(e->sock);
		failed += fds[i] < 0;
	}
	if (write(done, &failed, sizeof(failed)) != sizeof(failed) ||
	    read(release, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

static void bn_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		bn_die("pipe: %s", strerror(errno));
}

/* Forks @clients clients; returns how many allocations each makes. */
static unsigned int bn_clients_fork(struct bn_env *e, unsigned int clients,
				    int via_helper, int go[2], int done[2],
				    int release[2], pid_t *pids)
{
	unsigned int i, each = e->total / clients;

	if (!each)
		each = 1;
	for (i = 0; i < clients; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			bn_die("fork: %s", strerror(errno));
		if (!pids[i]) {
			close(go[1]);
			close(release[1]);
			bn_client(e, each, via_helper, go[0], done[1],
				  release[0]);
		}
	}
	return each;
}

/**
 * bn_throughput() - allocations per second with @clients at once
 * @via_helper:	each allocation fork+execs tapbroker-helper (else direct)
 * @failed:	receives the number of allocations that failed
 * Return: successful allocations per second.
 */
double bn_throughput(struct bn_env *e, unsigned int clients, int via_helper,
		     unsigned int *failed)
{
	static pid_t pids[BN_MAX_CLIENTS];
	int go[2], done[2], release[2];
	unsigned int i, each, f, ok;
	uint64_t t0, t1;

	if (clients > BN_MAX_CLIENTS)
		bn_die("at most %d clients", BN_MAX_CLIENTS);
	bn_pipe(go);
	bn_pipe(done);
	bn_pipe(release);
	each = bn_clients_fork(e, clients, via_helper, go, done, release, pids);
	close(go[0]);
	close(done[1]);
	close(release[0]);
	*failed = 0;
	t0 = bn_now_ns();
	close(go[1]); /* every client starts now */
	for (i = 0; i < clients; i++) {
		if (read(done[0], &f, sizeof(f)) != sizeof(f))
			bn_die("a client died during the throughput run");
		*failed += f;
	}
	t1 = bn_now_ns();
	bn_ns_reap(e, NULL, 0);
	close(release[1]);
	close(done[0]);
	for (i = 0; i < clients; i++)
		bn_wait(pids[i]);
	ok = each * clients - *failed;
	return ok / ((double)(t1 - t0) / 1e9);
}

/* A churner: make a bridged tap, close it (the teardown), forever. */
static void __attribute__((noreturn))
bn_churner(struct bn_env *e, unsigned long *count)
{
	struct bn_tap t;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	raise(SIGSTOP); /* the first stretch is idle */
	for (;;) {
		if (bn_floor_ioctl(e, &t) < 0)
			continue;
		close(t.fd);
		__atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
	}
}

/* Stops (and waits until stopped) or continues every churner. */
static void bn_churn_set(pid_t *pids, int on)
{
	int i, status;

	for (i = 0; i < BN_CHURNERS; i++) {
		kill(pids[i], on ? SIGCONT : SIGSTOP);
		if (!on && waitpid(pids[i], &status, WUNTRACED) < 0)
			bn_die("waitpid: %s", strerror(errno));
	}
}

/* One tapbroker-helper allocation, timed; the teardown is not. */
static double bn_churn_sample(struct bn_env *e)
{
	struct bn_tap t;
	uint64_t t0 = bn_now_ns();

	if (bn_tb_helper(e, &t) < 0)
		bn_die("tapbroker-helper failed during the churn run");
	t0 = bn_now_ns() - t0;
	close(t.fd);
	return t0 / 1e6;
}

static void bn_churn_stats(double *v, unsigned int n, double *p50, double *p99)
{
	qsort(v, n, sizeof(*v), bn_cmp_double);
	*p50 = bn_pct(v, n, 50);
	*p99 = bn_pct(v, n, 99);
}

/* Forks the churners, stopped; Return: the shared teardown counter. */
static unsigned long *bn_churners_fork(struct bn_env *e, pid_t *pids)
{
	unsigned long *count =
		mmap(NULL, sizeof(*count), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int i, status;

	if (count == MAP_FAILED)
		bn_die("mmap: %s", strerror(errno));
	*count = 0;
	for (i = 0; i < BN_CHURNERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			bn_die("fork: %s", strerror(errno));
		if (!pids[i])
			bn_churner(e, count);
		waitpid(pids[i], &status, WUNTRACED);
	}
	return count;
}

/**
 * bn_churn() - tapbroker-helper latency, idle and while taps are torn down
 *
 * e->n samples of each, in alternating stretches of BN_CHUNK.
 */
void bn_churn(struct bn_env *e, struct bn_churn_result *r)
{
	double *idle = calloc(e->n, sizeof(double));
	double *busy = calloc(e->n, sizeof(double));
	unsigned long *count, before;
	unsigned int i = 0, j = 0, k;
	uint64_t t, busy_ns = 0;
	pid_t pids[BN_CHURNERS];

	if (!idle || !busy)
		bn_die("out of memory");
	count = bn_churners_fork(e, pids);
	while (i < e->n || j < e->n) {
		for (k = 0; k < BN_CHUNK && i < e->n; k++)
			idle[i++] = bn_churn_sample(e);
		bn_churn_set(pids, 1);
		before = __atomic_load_n(count, __ATOMIC_RELAXED);
		t = bn_now_ns();
		for (k = 0; k < BN_CHUNK && j < e->n; k++)
			busy[j++] = bn_churn_sample(e);
		busy_ns += bn_now_ns() - t;
		r->teardowns +=
			__atomic_load_n(count, __ATOMIC_RELAXED) - before;
		bn_churn_set(pids, 0);
	}
	for (k = 0; k < BN_CHURNERS; k++) {
		kill(pids[k], SIGKILL);
		bn_wait(pids[k]);
	}
	r->teardowns_per_s = r->teardowns / (busy_ns / 1e9);
	bn_churn_stats(idle, e->n, &r->idle_p50, &r->idle_p99);
	bn_churn_stats(busy, e->n, &r->churn_p50, &r->churn_p99);
	free(idle);
	free(busy);
	munmap(count, sizeof(*count));
}
