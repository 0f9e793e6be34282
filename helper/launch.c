// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Launcher mode's argument substitution: where COMMAND says @FDS@ (the
 * queue fds), @VHOSTFDS@ (the vhost-net fds), @FD@ and @VHOSTFD@ (the
 * first of each) or @IFNAME@, their values are put in.  Lists are joined
 * by --separator (default ':', as QEMU's fds= and vhostfds= want).
 */
#include "helper.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { TBH_FDS, TBH_VHOSTFDS, TBH_FD, TBH_VHOSTFD, TBH_IFNAME };

static const char *const tbh_tokens[] = {
	[TBH_FDS] = "@FDS@",	   [TBH_VHOSTFDS] = "@VHOSTFDS@",
	[TBH_FD] = "@FD@",	   [TBH_VHOSTFD] = "@VHOSTFD@",
	[TBH_IFNAME] = "@IFNAME@",
};

/* Which token, if any, starts at @p: its index, or -1. */
static int tbh_token_at(const char *p)
{
	for (size_t t = 0; t < sizeof(tbh_tokens) / sizeof(*tbh_tokens); t++)
		if (!strncmp(p, tbh_tokens[t], strlen(tbh_tokens[t])))
			return (int)t;
	return -1;
}

/**
 * tbh_command_names() - does an argument of COMMAND hold @token?
 * Return: 1 or 0.
 */
int tbh_command_names(char *const *command, const char *token)
{
	for (; *command; command++)
		if (strstr(*command, token))
			return 1;
	return 0;
}

struct tbh_out {
	char *buf;
	size_t size, len;
	int overflow;
};

static void __attribute__((format(printf, 2, 3)))
tbh_put(struct tbh_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->overflow = 1;
	else
		o->len += (size_t)n;
}

static void tbh_put_list(struct tbh_out *o, const int *fds, unsigned int n,
			 char sep)
{
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			tbh_put(o, "%c", sep);
		tbh_put(o, "%d", fds[i]);
	}
}

/**
 * tbh_substitute() - @arg with its @TOKEN@s replaced from @fs, into @out
 *
 * Return: 0, or -EINVAL (a vhost token without vhost fds, or a result
 * longer than @outlen) with one line in @err.
 */
int tbh_substitute(const char *arg, const struct tbh_fdset *fs, char *out,
		   size_t outlen, char *err, size_t errlen)
{
	struct tbh_out o = {.buf = out, .size = outlen};
	const char *p = arg;
	int t;

	if (outlen)
		out[0] = '\0';
	while (*p) {
		t = tbh_token_at(p);
		if (t < 0) {
			tbh_put(&o, "%c", *p++);
			continue;
		}
		p += strlen(tbh_tokens[t]);
		if ((t == TBH_VHOSTFDS || t == TBH_VHOSTFD) && !fs->vhosts) {
			snprintf(err, errlen,
				 "the command uses %s: add --vhost",
				 tbh_tokens[t]);
			return -EINVAL;
		}
		if (t == TBH_FDS)
			tbh_put_list(&o, fs->queues, fs->n, fs->separator);
		else if (t == TBH_VHOSTFDS)
			tbh_put_list(&o, fs->vhosts, fs->n, fs->separator);
		else if (t == TBH_FD)
			tbh_put(&o, "%d", fs->queues[0]);
		else if (t == TBH_VHOSTFD)
			tbh_put(&o, "%d", fs->vhosts[0]);
		else
			tbh_put(&o, "%s", fs->ifname);
	}
	if (o.overflow) {
		snprintf(
			err, errlen,
			"an argument of the command is longer than %zu bytes once its fds are put in",
			outlen ? outlen - 1 : 0);
		return -EINVAL;
	}
	return 0;
}
