// SPDX-License-Identifier: GPL-2.0-or-later
/* The bench's one table: Markdown rows, sections as bold rows. */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>

#define BN_FMT_BUFS 32
#define BN_FMT_LEN 64

/*
 * The first bn_section() becomes the table's header row; later ones are
 * bold rows naming the section and the unit of each column below them.
 */

static int bn_table_started;

/* printf into one of BN_FMT_BUFS rotating buffers, for table cells. */
const char *bn_fmt(const char *fmt, ...)
{
	static char bufs[BN_FMT_BUFS][BN_FMT_LEN];
	static unsigned int next;
	char *b = bufs[next++ % BN_FMT_BUFS];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, BN_FMT_LEN, fmt, ap);
	va_end(ap);
	return b;
}

void bn_row(const char *label, const char *c1, const char *c2, const char *c3,
	    const char *c4, const char *c5)
{
	printf("| %-50s | %11s | %11s | %11s | %11s | %11s |\n", label, c1, c2,
	       c3, c4, c5);
}

/* @text in bold, unless it is empty (Markdown would show the stars). */
static const char *bn_bold(const char *text)
{
	return *text ? bn_fmt("**%s**", text) : "";
}

void bn_section(const char *label, const char *c1, const char *c2,
		const char *c3, const char *c4, const char *c5)
{
	if (!bn_table_started) {
		bn_row(label, c1, c2, c3, c4, c5);
		printf("|%s|%s|%s|%s|%s|%s|\n",
		       "----------------------------------------------------",
		       "------------:", "------------:", "------------:",
		       "------------:", "------------:");
		bn_table_started = 1;
		return;
	}
	bn_row(bn_bold(label), bn_bold(c1), bn_bold(c2), bn_bold(c3),
	       bn_bold(c4), bn_bold(c5));
}
