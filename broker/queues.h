/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The other fds of a lease: queues and vhost-net (queues.c). */
#ifndef TB_QUEUES_H
#define TB_QUEUES_H

#include <stddef.h>
#include "proto.h"

struct tb_broker;

/* queues.c: the rest of a granted lease's fds (launcher mode). */
int tb_do_queues(struct tb_broker *b, const struct tb_request *req,
		 struct tb_reply *rep, int *fds, size_t *nfds);

#endif
