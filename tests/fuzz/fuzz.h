/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the libFuzzer targets share: an assertion libFuzzer reports. */
#ifndef TB_FUZZ_H
#define TB_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* A broken promise of the code under test: libFuzzer reports it as a
 * crash, with the file, line and condition. */
#define fz_assert(cond)                                                    \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                    \
			abort();                                           \
		}                                                          \
	} while (0)

#endif
