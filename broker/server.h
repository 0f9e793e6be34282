/* SPDX-License-Identifier: GPL-2.0-or-later */
/* server.c: client connections, read and closed without ever waiting. */
#ifndef TB_SERVER_H
#define TB_SERVER_H

#include <sys/types.h>

#define TB_SERVE_HUP 1 /* tb_server_serve(): close at the client's hang-up */

int tb_server_close(int conn);
int tb_server_peer_uid(int conn, uid_t *uid);
void tb_server_busy(int conn, uid_t uid, unsigned int limit);

#endif
