// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging: one line per event, to stderr in the foreground, else syslog.
 *
 * Log lines carry client text (names, addresses, labels, the reasons a
 * request was refused), and a client must not be able to write a line of
 * its own ("...\ntapbroker: grant tb7 on br0 to uid 0 (root)") or a
 * terminal escape.  So escaping is this module's job, for every line
 * whatever its arguments: after formatting, each byte outside printable
 * ASCII becomes \xNN.  A backslash is kept (text already escaped with
 * tb_escape() is not escaped twice); a line is cut at TB_LOG_MAX bytes.
 */
#include "broker.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TB_LOG_MAX 1024 /* one line, formatted; escaped it may be 4x */

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

/* Copies @in to @out, each byte outside printable ASCII as \xNN. */
static void tb_log_escape(const char *in, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;

	for (; *in; in++) {
		c = (unsigned char)*in;
		if (c >= 0x20 && c < 0x7f) {
			*out++ = (char)c;
			continue;
		}
		*out++ = '\\';
		*out++ = 'x';
		*out++ = hex[c >> 4];
		*out++ = hex[c & 15];
	}
	*out = '\0';
}

/**
 * tb_log_clean() - escape @text (of @size bytes) in place, as log lines are
 *
 * For text that leaves the broker other than as a log line: a reply's
 * message, which the helper prints.  Cut (with "...") to fit @size.
 */
void tb_log_clean(char *text, size_t size)
{
	char line[TB_LOG_MAX], shown[4 * TB_LOG_MAX];

	snprintf(line, sizeof(line), "%s", text);
	tb_log_escape(line, shown);
	if (strlen(shown) >= size && size > 4)
		memcpy(shown + size - 4, "...", 4);
	snprintf(text, size, "%s", shown);
}

/* One write() per line, whatever stderr's buffering: lines of several
 * writers never interleave, and a line costs one system call. */
static void tb_vlog(int prio, const char *fmt, va_list ap)
{
	static const char tag[] = "tapbroker: ";
	char line[TB_LOG_MAX], shown[sizeof(tag) + 4 * TB_LOG_MAX];
	size_t n = sizeof(tag) - 1;
	ssize_t w;

	vsnprintf(line, sizeof(line), fmt, ap);
	memcpy(shown, tag, n);
	tb_log_escape(line, shown + n);
	if (!tb_log_stderr) {
		syslog(prio, "%s", shown + n);
		return;
	}
	n += strlen(shown + n);
	shown[n++] = '\n';
	fflush(stderr); /* anything stdio still holds goes first */
	w = write(STDERR_FILENO, shown, n);
	(void)w; /* nowhere to report a failing stderr */
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
