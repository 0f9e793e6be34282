/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listening socket and its connections (server.c). */
#ifndef TB_SERVER_H
#define TB_SERVER_H

#include <stddef.h>
#include <sys/types.h>

struct tb_broker;

/* server.c: the listening socket and its connections, read and closed
 * without ever waiting on a client. */
#define TB_SERVE_HUP 1 /* tb_server_serve(): close at the client's hang-up */

int tb_server_listen(const char *path);
int tb_server_inherit(char *path, size_t len);
void tb_server_notify(const char *state);
int tb_server_serve(struct tb_broker *b, int conn);
int tb_server_close(int conn);
int tb_server_peer_uid(int conn, uid_t *uid);
void tb_server_busy(int conn, uid_t uid, unsigned int limit);
void tb_server_reload(struct tb_broker *b);

#endif
