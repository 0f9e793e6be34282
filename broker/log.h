/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c: log lines, escaped; the same escaping for other text out. */
#ifndef TB_LOG_H
#define TB_LOG_H

#include <stddef.h>

void tb_log_clean(char *text, size_t size);

#endif
