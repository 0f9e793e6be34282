// SPDX-License-Identifier: GPL-2.0-or-later
/* Logging: one line per event, to stderr in the foreground, else syslog. */
#include "broker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tb_log_stderr = 1;

/**
 * tb_log_init() - choose where log lines go
 *
 * syslog is opened now (LOG_NDELAY), before seccomp, so that logging later
 * needs no new socket.
 */
void tb_log_init(int to_stderr)
{
	tb_log_stderr = to_stderr;
	if (!to_stderr)
		openlog("tapbroker", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void tb_vlog(int prio, const char *fmt, va_list ap)
{
	if (tb_log_stderr) {
		fputs("tapbroker: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
}

void tb_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tb_vlog(prio, fmt, ap);
	va_end(ap);
}

void tb_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tb_vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

/* Logs each line of @text (as from struct tb_diag) on its own. */
void tb_log_lines(int prio, const char *text)
{
	size_t n;

	while (*text) {
		n = strcspn(text, "\n");
		if (n)
			tb_log(prio, "  %.*s", (int)n, text);
		text += n + (text[n] == '\n');
	}
}
