/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adopting a pre-made tap (adopt.c). */
#ifndef TB_ADOPT_H
#define TB_ADOPT_H

#include <sys/types.h>
#include "policy.h"
#include "proto.h"

struct tb_broker;

/* adopt.c: a pre-made tap put to use, and put back at the end. */
struct tb_port;
int tb_adopt_port(struct tb_broker *b, const struct tb_who *who, pid_t vm,
		  const struct tb_request *req, const struct tb_plan *plan,
		  struct tb_port *port, struct tb_reply *rep);

#endif
