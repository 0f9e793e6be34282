// SPDX-License-Identifier: GPL-2.0-or-later
/* Validation of interface names and safe quoting of untrusted text. */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/**
 * tb_escape() - copy untrusted bytes for a log or error line
 *
 * Printable ASCII is kept; anything else becomes \xNN, so a name with a
 * newline or an escape sequence cannot forge a second line or a terminal
 * command.  @out is always NUL-terminated; overlong input is cut with "...".
 */
void tb_escape(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t i, o = 0, room;
	unsigned char c;

	if (outlen < 8) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	room = outlen - 4; /* keeps space for "..." and the NUL */
	for (i = 0; i < inlen && in[i]; i++) {
		c = (unsigned char)in[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 > room)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 > room)
				break;
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < inlen && in[i]) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/**
 * tb_ifname_check() - is @name a safe interface name?
 *
 * Stricter than the kernel's dev_valid_name(): 1..15 bytes of printable
 * ASCII without '/', ':', spaces or backslashes, and not "." or "..".
 * On refusal @why says what is wrong, in words.
 *
 * Return: 0 if valid, -EINVAL if not.
 */
int tb_ifname_check(const char *name, char *why, size_t whylen)
{
	size_t len = strnlen(name, IFNAMSIZ + 1), i;
	unsigned char c;
	const char *what = NULL;

	if (len == 0)
		what = "is empty";
	else if (len >= IFNAMSIZ)
		what = "is longer than 15 bytes";
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		what = "is . or ..";
	for (i = 0; !what && i < len; i++) {
		c = (unsigned char)name[i];
		if (c == '/')
			what = "contains '/'";
		else if (c == ':')
			what = "contains ':'";
		else if (c == ' ' || c == '\t')
			what = "contains a space";
		else if (c < 0x20 || c >= 0x7f || c == '\\')
			what = "contains a control or non-ASCII byte";
	}
	if (!what)
		return 0;
	if (why && whylen)
		snprintf(why, whylen, "%s", what);
	return -EINVAL;
}

/**
 * tb_label_check() - is @label a VM name fit for logs and the ifalias?
 *
 * 1-32 characters of letters, digits, '.', '_' and '-'.
 * Return: 0, or -EINVAL with @why.
 */
int tb_label_check(const char *label, char *why, size_t whylen)
{
	size_t n = strlen(label);

	if (n == 0 || n >= TB_LABEL_MAX ||
	    strspn(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789._-") != n) {
		snprintf(why, whylen,
			 "is not 1-32 letters, digits, '.', '_' or '-'");
		return -EINVAL;
	}
	return 0;
}
