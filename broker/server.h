/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listening socket and its connections (server.c). */
#ifndef TB_SERVER_H
#define TB_SERVER_H

#include <stddef.h>

struct tb_broker;

/* server.c: the listening socket and its connections. */
int tb_server_listen(const char *path);
int tb_server_inherit(char *path, size_t len);
void tb_server_notify(const char *state);
int tb_server_serve(struct tb_broker *b, int conn);
void tb_server_reload(struct tb_broker *b);

#endif
