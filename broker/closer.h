/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Closing, off the event loop, what could make it wait (closer.c). */
#ifndef TB_CLOSER_H
#define TB_CLOSER_H

/* closer.c: our copies of handed-out fds; connections holding a client's
 * files (quarantine). */
int tb_closer_start(void);
void tb_closer_close(int fd);
int tb_closer_quarantine(int fd);
unsigned int tb_closer_quarantined(void);
void tb_closer_stop(void);

#endif
