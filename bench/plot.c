// SPDX-License-Identifier: GPL-2.0-or-later
/* The bench's plot: p50 against the number of ports, one line per row. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BN_GNUPLOT "/usr/bin/gnuplot"

/* PREFIX.dat: one line per level, one column per row, labels on top. */
static int bn_plot_data(const char *path, const unsigned int *levels,
			unsigned int nlev, const char *const *labels,
			const double *p50, unsigned int nrows)
{
	FILE *f = fopen(path, "we");
	unsigned int l, c;

	if (!f)
		return -errno;
	fprintf(f, "ports");
	for (c = 0; c < nrows; c++)
		fprintf(f, " \"%s\"", labels[c]);
	for (l = 0; l < nlev; l++) {
		fprintf(f, "\n%u", levels[l]);
		for (c = 0; c < nrows; c++)
			fprintf(f, " %.4f", p50[c * nlev + l]);
	}
	fprintf(f, "\n");
	return fclose(f) ? -errno : 0;
}

/* PREFIX.gp: the same plot twice, PNG then SVG. */
static int bn_plot_script(const char *path, const char *prefix,
			  unsigned int nrows)
{
	static const char *const term[2][2] = {
		{"pngcairo size 1000,700 font 'sans,10'", "png"},
		{"svg size 1000,700 dynamic font 'sans,10'", "svg"},
	};
	FILE *f = fopen(path, "we");
	int i;

	if (!f)
		return -errno;
	fprintf(f,
		"set title 'tapbroker bench: p50 latency of one bridged tap'\n"
		"set xlabel 'other ports on the bridge'\n"
		"set ylabel 'p50, ms (log scale)'\n"
		"set logscale y\nset grid\n"
		"set xtics ('0' 0, '10' 1, '100' 2, '1000' 3)\n"
		"set key below spacing 1.2 font ',9' maxrows 5\n"
		"set termoption noenhanced\n"
		"set linetype 1 lc rgb '#1f77b4' pt 1\n"
		"set linetype 2 lc rgb '#ff7f0e' pt 2\n"
		"set linetype 3 lc rgb '#2ca02c' pt 5\n"
		"set linetype 4 lc rgb '#98df8a' pt 4\n"
		"set linetype 5 lc rgb '#7f7f7f' pt 6\n"
		"set linetype 6 lc rgb '#17becf' pt 7\n"
		"set linetype 7 lc rgb '#d62728' pt 9\n"
		"set linetype 8 lc rgb '#000000' pt 11\n"
		"set linetype 9 lc rgb '#9467bd' pt 13\n"
		"set linetype cycle 9\n");
	for (i = 0; i < 2; i++)
		fprintf(f,
			"set terminal %s\nset termoption noenhanced\n"
			"set output '%s.%s'\n"
			"plot for [c=2:%u] '%s.dat' using 0:c with linespoints "
			"lw 2 title columnheader(c)\n",
			term[i][0], prefix, term[i][1], nrows + 1, prefix);
	return fclose(f) ? -errno : 0;
}

/**
 * bn_plot() - write PREFIX.dat and PREFIX.gp, then PREFIX.png and .svg
 * @prefix:	path prefix of the files
 * @levels:	the numbers of ports, @nlev of them
 * @labels:	one per row, @nrows of them
 * @p50:	@nrows x @nlev values, row by row, in ms
 *
 * Return: 0, -ENOENT if gnuplot is missing (apt-get install gnuplot-nox),
 * -ECHILD if it failed, or -errno.
 */
int bn_plot(const char *prefix, const unsigned int *levels, unsigned int nlev,
	    const char *const *labels, const double *p50, unsigned int nrows)
{
	char dat[BN_PATH_MAX + 8], gp[BN_PATH_MAX + 8];
	char *argv[] = {BN_GNUPLOT, gp, NULL};
	int err;

	snprintf(dat, sizeof(dat), "%s.dat", prefix);
	snprintf(gp, sizeof(gp), "%s.gp", prefix);
	err = bn_plot_data(dat, levels, nlev, labels, p50, nrows);
	if (!err)
		err = bn_plot_script(gp, prefix, nrows);
	if (!err && access(BN_GNUPLOT, X_OK))
		err = -ENOENT;
	if (!err && bn_run(BN_GNUPLOT, argv))
		err = -ECHILD;
	return err;
}
