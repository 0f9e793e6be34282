/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User names for messages, looked up once per uid per policy load. */
#ifndef TB_USERCACHE_H
#define TB_USERCACHE_H

#include "broker.h"

const char *tb_user_name(const struct tb_broker *b, uid_t uid, char *buf,
			 size_t len);

#endif
