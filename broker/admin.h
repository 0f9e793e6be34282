/* SPDX-License-Identifier: GPL-2.0-or-later */
/* admin.c: STATUS and RELEASE, answered by the daemon. */
#ifndef TB_ADMIN_H
#define TB_ADMIN_H

struct tb_broker;
struct tb_who;
struct tb_request;

void tb_admin_answer(struct tb_broker *b, int conn, const struct tb_who *who,
		     const struct tb_request *req);

#endif
