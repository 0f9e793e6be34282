/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The broker's log (log.c): syslog or stderr, one escaped line each. */
#ifndef TB_LOG_H
#define TB_LOG_H

#include <stddef.h>
#include <syslog.h>

/* log.c */
void tb_log_init(int to_stderr);
void tb_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tb_log_lines(int prio, const char *text);
void tb_log_clean(char *text, size_t size);
void tb_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#endif
