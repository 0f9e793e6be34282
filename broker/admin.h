/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STATUS and RELEASE, answered by the daemon (admin.c). */
#ifndef TB_ADMIN_H
#define TB_ADMIN_H

#include "policy.h"
#include "proto.h"

struct tb_broker;

/* admin.c: status and release, the daemon's side (admin-cli.c: the
 * client's). */
void tb_admin_answer(struct tb_broker *b, int conn, const struct tb_who *who,
		     const struct tb_request *req);

#endif
