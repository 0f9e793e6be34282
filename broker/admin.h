/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tapbroker status and release (admin.c). */
#ifndef TB_ADMIN_H
#define TB_ADMIN_H

#include "policy.h"
#include "proto.h"

struct tb_broker;

/* admin.c: status and release, both ends. */
void tb_admin_answer(struct tb_broker *b, int conn, const struct tb_who *who,
		     const struct tb_request *req);
int tb_admin_main(int argc, char **argv);

#endif
