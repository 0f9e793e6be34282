/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The broker's one event loop (loop.c). */
#ifndef TB_LOOP_H
#define TB_LOOP_H

struct tb_broker;

/* loop.c: one epoll loop for the socket, connections and signals. */
int tb_loop_init(struct tb_broker *b);
void tb_loop_run(struct tb_broker *b);
void tb_loop_free(struct tb_broker *b);
int tb_loop_watch(struct tb_broker *b, int pidfd);
int tb_loop_watch_guards(struct tb_broker *b, int fd);

#endif
