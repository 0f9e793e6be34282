// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tapbroker status [--json]` and `tapbroker release IFNAME`: the client
 * side of the admin requests (the daemon's side is admin.c).  With --json
 * the status is a JSON array (RFC 8259) with one object per lease.
 */
#include "broker.h"
#include "admin-cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int tb_admin_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 10};
	int s;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

/* Prints @s (@n bytes) as a JSON string: RFC 8259 escapes; a byte that
 * is not ASCII as \u00XX (its Latin-1 reading), so the output is UTF-8. */
static void tb_json_string(const char *s, size_t n)
{
	unsigned char c;

	putchar('"');
	for (size_t i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Undoes the daemon's \xNN escapes of a status value, in place. */
static size_t tb_status_unescape(char *v)
{
	size_t o = 0;
	char hex[3] = "";

	for (size_t i = 0; v[i]; i++) {
		if (v[i] == '\\' && v[i + 1] == 'x' && isxdigit(v[i + 2]) &&
		    isxdigit(v[i + 3])) {
			memcpy(hex, v + i + 2, 2);
			v[o++] = (char)strtoul(hex, NULL, 16);
			i += 3;
		} else {
			v[o++] = v[i];
		}
	}
	v[o] = '\0';
	return o;
}

/* Is @key one whose value is a number (else a string)? */
static int tb_json_numeric(const char *key)
{
	static const char *const keys[] = {"mtu",    "uid",  "vm",   "age",
					   "metric", "size", "ready"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

/* Prints one "k=v k=v" status line as a JSON object: "-" is null, the
 * numeric keys are numbers, every other value a string. */
static void tb_json_line(char *line, int first)
{
	char *save = NULL, *kv, *v;
	size_t n;

	printf("%s  {", first ? "" : ",\n");
	for (kv = strtok_r(line, " ", &save); kv;
	     kv = strtok_r(NULL, " ", &save)) {
		v = strchr(kv, '=');
		if (!v)
			continue;
		*v++ = '\0';
		if (kv != line)
			printf(", ");
		tb_json_string(kv, strlen(kv));
		printf(": ");
		if (!strcmp(v, "-")) {
			printf("null");
			continue;
		}
		n = tb_status_unescape(v);
		if (tb_json_numeric(kv) && n && strspn(v, "0123456789") == n &&
		    (v[0] != '0' || n == 1)) /* RFC 8259: no leading zero */
			printf("%s", v);
		else
			tb_json_string(v, n);
	}
	printf("}");
}

static void tb_print_text(char *text, int json, int *first)
{
	char *save = NULL, *line;

	if (!json) {
		fputs(text, stdout);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		tb_json_line(line, *first);
		*first = 0;
	}
}

/* Sends @req, prints what comes back; returns the exit status. */
static int tb_admin_call(const char *path, const struct tb_request *req,
			 int json)
{
	char buf[TB_MSG_MAX], err[TB_ERR_MAX];
	struct tb_reply rep;
	int s = tb_admin_connect(path), first = 1;
	ssize_t n;

	if (s < 0) {
		fprintf(stderr,
			"tapbroker: cannot reach the broker at %s: %s\n", path,
			strerror(-s));
		return 1;
	}
	n = tb_request_encode(req, buf, sizeof(buf));
	if (n < 0 || tb_send_fd(s, buf, (size_t)n, -1) < 0) {
		close(s);
		return 1;
	}
	if (json && req->op == TB_OP_STATUS)
		printf("[\n");
	do {
		n = tb_recv_fd(s, buf, sizeof(buf), NULL);
		if (n <= 0 ||
		    tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err))) {
			fprintf(stderr, "tapbroker: bad answer from %s: %s\n",
				path,
				n <= 0 ? strerror(n ? (int)-n : EPIPE) : err);
			close(s);
			return 1;
		}
		tb_print_text(rep.text, json, &first);
	} while (rep.flags & TB_R_MORE);
	close(s);
	if (json && req->op == TB_OP_STATUS)
		printf("%s]\n", first ? "" : "\n");
	if (rep.status)
		fprintf(stderr, "tapbroker: %s\n", rep.message);
	else if (!json)
		printf("%s\n", rep.message);
	return rep.status ? 1 : 0;
}

/**
 * tb_admin_main() - `tapbroker status [--json]` / `tapbroker release IF`
 *
 * Return: the exit status: 0 done, 1 refused or failed, 2 usage.
 */
int tb_admin_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	const char *path = getenv(TB_SOCKET_ENV);
	struct tb_request req = {.op = TB_OP_STATUS};
	int c, json = 0;

	if (!strcmp(argv[0], "release"))
		req.op = TB_OP_RELEASE;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c == 's')
			path = optarg;
		else if (c == 'j' && req.op == TB_OP_STATUS)
			json = 1;
		else
			goto usage;
	}
	if (req.op == TB_OP_RELEASE &&
	    (optind != argc - 1 || strlen(argv[optind]) >= IFNAMSIZ))
		goto usage;
	if (req.op == TB_OP_STATUS && optind != argc)
		goto usage;
	if (req.op == TB_OP_RELEASE)
		memcpy(req.ifname, argv[optind], strlen(argv[optind]) + 1);
	return tb_admin_call(path ? path : TB_DEFAULT_SOCKET, &req, json);
usage:
	fprintf(stderr, "Usage: tapbroker status [--json] [--socket PATH]\n"
			"       tapbroker release IFNAME [--socket PATH]\n");
	return 2;
}
