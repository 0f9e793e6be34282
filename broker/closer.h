/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Closing handed-out fds off the event loop (closer.c). */
#ifndef TB_CLOSER_H
#define TB_CLOSER_H

/* closer.c: the broker's copies of handed-out fds, closed off the loop. */
int tb_closer_start(void);
void tb_closer_close(int fd);
void tb_closer_stop(void);

#endif
