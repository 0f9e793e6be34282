/* SPDX-License-Identifier: GPL-2.0-or-later */
/* closer.c: fds closed off the event loop (taps; hostile connections). */
#ifndef TB_CLOSER_H
#define TB_CLOSER_H

int tb_closer_start(void);
void tb_closer_close(int fd);
int tb_closer_quarantine(int fd);
unsigned int tb_closer_quarantined(void);
void tb_closer_stop(void);

#endif
