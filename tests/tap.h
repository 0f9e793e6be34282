/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A few TAP (Test Anything Protocol) helpers for the C unit tests. */
#ifndef TB_TAP_H
#define TB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static void __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
}

#define is_int(got, want, name)                                      \
	do {                                                         \
		long long g_ = (got), w_ = (want);                   \
		ok(g_ == w_, "%s", name);                            \
		if (g_ != w_)                                        \
			printf("#   got %lld, want %lld\n", g_, w_); \
	} while (0)

#define is_str(got, want, name)                                         \
	do {                                                            \
		const char *g_ = (got), *w_ = (want);                   \
		int e_ = g_ && w_ && !strcmp(g_, w_);                   \
		ok(e_, "%s", name);                                     \
		if (!e_)                                                \
			printf("#   got  \"%s\"\n#   want \"%s\"\n",    \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

#define like(got, needle, name)                                             \
	do {                                                                \
		const char *g_ = (got), *n_ = (needle);                     \
		int e_ = g_ && strstr(g_, n_);                              \
		ok(e_, "%s", name);                                         \
		if (!e_)                                                    \
			printf("#   \"%s\"\n#   does not contain \"%s\"\n", \
			       g_ ? g_ : "(null)", n_);                     \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
