// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the wire decoders on arbitrary bytes, and round trips. */
#include "fuzz.h"
#include "proto.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal is -EBADMSG with one line of text that fits @err. */
static void fz_check_refusal(int ret, const char *err)
{
	size_t n = strnlen(err, TB_ERR_MAX);

	fz_assert(ret == -EBADMSG);
	fz_assert(n > 0 && n < TB_ERR_MAX);
	fz_assert(!strchr(err, '\n'));
}

/* A decoded string is NUL-terminated inside its field, zeros after. */
static void fz_check_field(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	fz_assert(n < size);
	for (size_t i = n; i < size; i++)
		fz_assert(s[i] == '\0');
}

static void fz_request(const uint8_t *data, size_t size)
{
	uint8_t buf[TB_MSG_MAX], again[TB_MSG_MAX];
	struct tb_request req, back;
	char err[TB_ERR_MAX] = "";
	ssize_t n, m;
	int ret;

	ret = tb_request_decode(data, size, &req, err, sizeof(err));
	fz_assert(tb_request_decode(data, size, &back, NULL, 0) == ret);
	if (ret) {
		fz_check_refusal(ret, err);
		return;
	}
	fz_check_field(req.bridge, sizeof(req.bridge));
	fz_check_field(req.lower, sizeof(req.lower));
	fz_check_field(req.mode, sizeof(req.mode));
	fz_check_field(req.ifname, sizeof(req.ifname));
	fz_assert(req.op == TB_OP_TAP || req.op == TB_OP_STATUS ||
		  req.op == TB_OP_RELEASE);
	fz_assert(!(req.flags & ~TB_F_KNOWN));
	fz_assert(req.queues <= TB_QUEUES_MAX);
	fz_assert(!(req.flags & TB_F_VHOST) || (req.flags & TB_F_VNET_HDR));
	fz_assert(req.op != TB_OP_RELEASE || req.ifname[0]);
	n = tb_request_encode(&req, buf, sizeof(buf));
	fz_assert(n > 0);
	ret = tb_request_decode(buf, (size_t)n, &back, err, sizeof(err));
	fz_assert(ret == 0);
	fz_assert(!memcmp(&req, &back, sizeof(req)));
	m = tb_request_encode(&back, again, sizeof(again));
	fz_assert(m == n && !memcmp(buf, again, (size_t)n));
}

static void fz_reply(const uint8_t *data, size_t size)
{
	uint8_t buf[TB_MSG_MAX], again[TB_MSG_MAX];
	struct tb_reply rep, back;
	char err[TB_ERR_MAX] = "";
	ssize_t n, m;
	int ret;

	ret = tb_reply_decode(data, size, &rep, err, sizeof(err));
	fz_assert(tb_reply_decode(data, size, &back, NULL, 0) == ret);
	if (ret) {
		fz_check_refusal(ret, err);
		return;
	}
	fz_check_field(rep.ifname, sizeof(rep.ifname));
	fz_check_field(rep.message, sizeof(rep.message));
	fz_check_field(rep.text, sizeof(rep.text));
	fz_assert(!(rep.flags & ~(TB_R_MORE | TB_R_VHOST)));
	fz_assert(rep.queues <= TB_QUEUES_MAX);
	fz_assert(rep.status <= 0 && rep.status >= -4095);
	n = tb_reply_encode(&rep, buf, sizeof(buf));
	fz_assert(n > 0);
	ret = tb_reply_decode(buf, (size_t)n, &back, err, sizeof(err));
	fz_assert(ret == 0);
	fz_assert(!memcmp(&rep, &back, sizeof(rep)));
	m = tb_reply_encode(&back, again, sizeof(again));
	fz_assert(m == n && !memcmp(buf, again, (size_t)n));
}

/* What the broker logs of a bad name: bounded, one printable line. */
static void fz_escape(const uint8_t *data, size_t size)
{
	char out[80];
	size_t outlen = size ? data[0] % sizeof(out) : 0;

	tb_escape((const char *)data, size, out, outlen);
	if (outlen < 8)
		return;
	fz_assert(strlen(out) < outlen);
	for (const char *p = out; *p; p++)
		fz_assert(*p >= 0x20 && *p < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_request(data, size);
	fz_reply(data, size);
	fz_escape(data, size);
	return 0;
}
