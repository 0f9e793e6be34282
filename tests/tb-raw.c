// SPDX-License-Identifier: GPL-2.0-or-later
/* Test client: one tap request with any field set to any text, sent raw. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * tb-raw [--garbage=N] [--shut] SOCKET FIELD=VALUE...
 *	Sends one tap request straight to the broker, FIELD being bridge,
 *	lower, mode, trunk, addresses (sets the routed flag), tables,
 *	gateway, adopt, label or proxy; VALUE is taken as is (newlines and
 *	all), cut to the field's size.  Prints "status=N message=..." (the
 *	message with \n shown as \\n).  Exit 0 if granted, 1 if refused,
 *	2 on error.  --garbage=N sends N bytes of noise instead of the
 *	request (one frame; N may be 0 or larger than any frame); --shut
 *	shuts the connection down for writing once the frame is sent.
 */

static int set_field(struct tb_request *req, const char *kv)
{
	static const struct {
		const char *name;
		size_t off, size;
	} fields[] = {
#define F(n, m) \
	{n, offsetof(struct tb_request, m), sizeof(((struct tb_request *)0)->m)}
		F("bridge", bridge),   F("lower", lower),
		F("mode", mode),       F("trunk", trunk),
		F("addresses", addrs), F("tables", tables),
		F("gateway", gateway), F("adopt", adopt),
		F("label", label),     F("proxy", proxy),
#undef F
	};
	const char *eq = strchr(kv, '=');

	for (size_t i = 0; eq && i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].name) != (size_t)(eq - kv) ||
		    strncmp(kv, fields[i].name, (size_t)(eq - kv)))
			continue;
		snprintf((char *)req + fields[i].off, fields[i].size, "%s",
			 eq + 1);
		if (!strcmp(fields[i].name, "addresses"))
			req->flags |= TB_F_ROUTED;
		return 0;
	}
	return -1;
}

/* The frame to send: the request, or @garbage bytes of noise (>= 0). */
static ssize_t frame(const struct tb_request *req, long garbage, char **out)
{
	static char buf[1 << 17];
	unsigned int x = 12345;

	*out = buf;
	if (garbage < 0)
		return tb_request_encode(req, buf, sizeof(buf));
	if ((size_t)garbage > sizeof(buf))
		return -1;
	for (long i = 0; i < garbage; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (char)(x >> 16);
	}
	return garbage;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct tb_request req = {.op = TB_OP_TAP};
	struct tb_reply rep;
	char buf[TB_MSG_MAX], err[TB_ERR_MAX], *f;
	long garbage = -1;
	int s, shut = 0;
	ssize_t n;

	for (; argc > 1 && !strncmp(argv[1], "--", 2); argc--, argv++) {
		if (!strncmp(argv[1], "--garbage=", 10))
			garbage = atol(argv[1] + 10);
		else
			shut = !strcmp(argv[1], "--shut");
	}
	if (argc < 2)
		return fprintf(stderr,
			       "usage: tb-raw [--garbage=N] [--shut] SOCKET FIELD=VALUE...\n"),
		       2;
	for (int i = 2; i < argc; i++)
		if (set_field(&req, argv[i]))
			return fprintf(stderr, "tb-raw: %s?\n", argv[i]), 2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return perror("connect"), 2;
	n = frame(&req, garbage, &f);
	if (n < 0 || send(s, f, (size_t)n, 0) != n)
		return perror("send"), 2;
	if (shut)
		shutdown(s, SHUT_WR);
	n = tb_recv_fd(s, buf, sizeof(buf), NULL);
	if (n == 0)
		return printf("closed\n"), 2;
	if (n <= 0 || tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err)))
		return printf("bad-reply\n"), 2;
	printf("status=%d message=", rep.status);
	for (const char *c = rep.message; *c; c++)
		fputs(*c == '\n' ? "\\n" : (char[2]){*c, 0}, stdout);
	printf("\n");
	return rep.status ? 1 : 0;
}
