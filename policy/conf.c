// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tapbroker policy file: libconfuse reads the syntax, this file turns
 * every value into a validated struct tb_rule, or says FILE:LINE what is
 * wrong.  No cfg_t leaves this file.
 *
 * libconfuse 3.3 miscounts lines after a comment (each "#" or "//" line
 * counts three), and its callbacks carry no user pointer.  So each file is
 * read here, comments are blanked (newlines kept) before libconfuse sees
 * the text, and every value is recorded with its line by a parse callback
 * into the loader's context, tb_cur: the loader runs in one thread, before
 * or between requests, and never re-enters itself while libconfuse parses.
 */
#include "policy_int.h"

#include <confuse.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "prefix.h"
#include "proto.h"

/* One value as written: key = { ..., value, ... } at line, in section. */
struct tb_fact {
	const cfg_t *sec; /* the allow/deny section, or the root */
	const char *key;
	char *value;
	int line;
	int first; /* first value of an assignment (not of a "+=") */
};

/* A section as the scanner saw it: keyword and the line of its title. */
struct tb_opener {
	const char *word;
	size_t len;
	int line;
};

struct tb_conf_ctx {
	const char *file;
	struct tb_diag *diag;
	struct tb_fact *facts;
	size_t nfacts;
	int oom;
	struct tb_opener *openers;
	size_t nopeners;
	int unclosed; /* line of a '{' the file ends inside of, or 0 */
};

static struct tb_conf_ctx *tb_cur; /* see the comment at the top */

static int tb_fact_cb(cfg_t *cfg, cfg_opt_t *opt, const char *value,
		      void *result)
{
	struct tb_conf_ctx *c = tb_cur;
	struct tb_fact *f;

	*(const char **)result = value;
	if (c->nfacts >= TB_POLICY_RULES_MAX * 4) {
		cfg_error(cfg, "too many values in one file");
		return -1;
	}
	f = reallocarray(c->facts, c->nfacts + 1, sizeof(*f));
	if (!f) {
		c->oom = 1;
		return -1;
	}
	c->facts = f;
	f = &c->facts[c->nfacts];
	*f = (struct tb_fact){.sec = cfg,
			      .key = opt->name,
			      .value = strdup(value),
			      .line = cfg->line,
			      .first = opt->nvalues == 1};
	if (!f->value) {
		c->oom = 1;
		return -1;
	}
	c->nfacts++;
	return 0;
}

static int tb_include_cb(cfg_t *cfg, cfg_opt_t *opt, int argc,
			 const char **argv)
{
	if (argc != 1) {
		cfg_error(
			cfg,
			"include takes one file name or pattern: include(\"policy.d/*.conf\")");
		return -1;
	}
	return tb_fact_cb(cfg, opt, argv[0], &(const char *){NULL});
}

static void tb_conf_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	tb_diag_add(
		tb_cur->diag, tb_cur->file, cfg ? cfg->line : 0, "%s%s", msg,
		strstr(msg, "no such option")
			? " (known: users, groups, bridges, vlans, trunk, macvtap, macvtap_modes, addresses (or routed), gateways, tables, metrics, adopt, quota, mtu, queues, proxy, guard, router in allow/deny; include, qemu_acl, admin_groups, pool at top level)"
			: "");
}

/* ---- comments out, section title lines in ------------------------------- */

struct tb_scan {
	int line, depth;
	int tok_line[2]; /* lines of the last two words/strings */
	const char *tok[2];
	size_t tok_len[2];
	char last; /* last punctuation, or 0 after a word */
	int open_line; /* line of the last top-level '{' */
	int list_open; /* inside "key = {" */
	const char *list_key; /* that key, for an empty list's error */
	size_t list_key_len;
};

static void tb_scan_token(struct tb_scan *s, const char *p, size_t len)
{
	s->tok[1] = s->tok[0];
	s->tok_len[1] = s->tok_len[0];
	s->tok_line[1] = s->tok_line[0];
	s->tok[0] = p;
	s->tok_len[0] = len;
	s->tok_line[0] = s->line;
	s->last = 0;
}

static int tb_scan_open(struct tb_conf_ctx *c, struct tb_scan *s)
{
	struct tb_opener *o;

	if (s->depth++ || s->last == '=' || !s->tok[1])
		return 0;
	o = reallocarray(c->openers, c->nopeners + 1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	c->openers = o;
	o[c->nopeners++] =
		(struct tb_opener){s->tok[1], s->tok_len[1], s->tok_line[1]};
	return 0;
}

/* Skips a quoted string starting at @p; returns the char after it. */
/*
 * Skips a quoted string starting at @p (backslash escapes in both quote
 * kinds, as libconfuse reads them); returns the char after it, or NULL if
 * the file ends first: libconfuse 3.3 would take the rest as the string's
 * text, silently, so that is an error here.
 */
static char *tb_scan_string(struct tb_scan *s, char *p)
{
	char q = *p++, *start = p;

	for (; *p && *p != q; p++) {
		if (*p == '\n')
			s->line++;
		if (*p == '\\' && p[1])
			if (*++p == '\n')
				s->line++;
	}
	if (!*p)
		return NULL;
	tb_scan_token(s, start, (size_t)(p - start));
	return p + 1;
}

/* Blanks a comment at @p (keeping newlines); returns the char after it. */
static char *tb_scan_comment(struct tb_scan *s, char *p)
{
	if (*p == '#' || p[1] == '/') {
		while (*p && *p != '\n')
			*p++ = ' ';
		return p;
	}
	*p++ = ' ';
	*p++ = ' ';
	for (; *p && !(p[0] == '*' && p[1] == '/'); p++)
		if (*p == '\n')
			s->line++;
		else
			*p = ' ';
	if (!*p) /* would hide the rest of the file: an error, not a comment */
		return NULL;
	*p++ = ' ';
	*p++ = ' ';
	return p;
}

static int tb_scan_fail(struct tb_conf_ctx *c, int line, const char *what)
{
	tb_diag_add(c->diag, c->file, line,
		    "unterminated %s: it would run to the end of the file",
		    what);
	return -EBADMSG;
}

/*
 * "key = { }" grants nothing, and would silently mean the key's default
 * to libconfuse: an error for every list key (tapbroker.conf(5)).
 */
static void tb_scan_list(struct tb_conf_ctx *c, struct tb_scan *s, char p)
{
	if (p == '{' && s->last == '=') {
		s->list_open = 1;
		s->list_key = s->tok[0];
		s->list_key_len = s->tok[0] ? s->tok_len[0] : 0;
	} else if (p == '}' && s->list_open && s->last == '{') {
		tb_diag_add(
			c->diag, c->file, s->line,
			"%.*s = { } grants nothing; remove the key for its default, or list what it grants",
			(int)s->list_key_len, s->list_key ? s->list_key : "");
	}
	if (p == '}')
		s->list_open = 0;
}

static int tb_scan(struct tb_conf_ctx *c, char *text)
{
	struct tb_scan s = {.line = 1};
	char *p = text, *w;
	int line;

	while (*p) {
		if (*p == '\n') {
			s.line++;
			p++;
		} else if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '#' ||
			   (*p == '/' && (p[1] == '/' || p[1] == '*'))) {
			line = s.line;
			p = tb_scan_comment(&s, p);
			if (!p)
				return tb_scan_fail(c, line, "/* comment");
		} else if (*p == '"' || *p == '\'') {
			line = s.line;
			p = tb_scan_string(&s, p);
			if (!p)
				return tb_scan_fail(c, line, "string");
		} else if (strchr("{}(),=+;", *p)) {
			tb_scan_list(c, &s, *p);
			if (*p == '{' && tb_scan_open(c, &s))
				return -ENOMEM;
			if (*p == '{' && s.depth == 1)
				s.open_line = s.line;
			if (*p == '}' && s.depth > 0)
				s.depth--;
			s.last = *p++;
		} else {
			/* a word ends where a comment starts, as libconfuse
			 * reads it: a slash-star glued to a word opens one */
			for (w = p;
			     *p && !isspace((unsigned char)*p) &&
			     !strchr("{}(),=+;\"'#", *p) &&
			     !(*p == '/' && (p[1] == '*' || p[1] == '/'));
			     p++)
				;
			if (p == w) /* a lone '/': libconfuse will say */
				p++;
			tb_scan_token(&s, w, (size_t)(p - w));
		}
	}
	/* libconfuse 3.3 accepts a section the file ends inside of: checked
	 * once it has parsed, so its own syntax errors come first */
	c->unclosed = s.depth ? s.open_line : 0;
	return 0;
}

/* The line of the @n'th section opened with @word, or @fallback. */
static int tb_opener_line(const struct tb_conf_ctx *c, const char *word,
			  size_t n, int fallback)
{
	for (size_t i = 0; i < c->nopeners; i++) {
		const struct tb_opener *o = &c->openers[i];

		if (o->len != strlen(word) || strncmp(o->word, word, o->len))
			continue;
		if (!n--)
			return o->line;
	}
	return fallback;
}

/* ---- values to rules ----------------------------------------------------- */

static int tb_number(const char *s, unsigned long max, unsigned long *out)
{
	return !tb_number_parse(s, max, out);
}

static int tb_add_id(unsigned int **ids, size_t *n, unsigned int id)
{
	unsigned int *v;

	for (size_t i = 0; i < *n; i++)
		if ((*ids)[i] == id)
			return 0;
	if (*n >= TB_POLICY_LIST_MAX)
		return -E2BIG;
	v = reallocarray(*ids, *n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*ids = v;
	v[(*n)++] = id;
	return 0;
}

/* Users and groups are resolved now: a typo is an error, not a no-op. */
static int tb_rule_user(struct tb_rule *r, const struct tb_fact *f,
			struct tb_conf_ctx *c)
{
	unsigned long id;
	struct passwd *pw;

	if (tb_number(f->value, (uid_t)-2, &id))
		return tb_add_id(&r->uids, &r->nuids, (uid_t)id);
	errno = 0;
	pw = f->value[0] ? getpwnam(f->value) : NULL;
	if (pw)
		return tb_add_id(&r->uids, &r->nuids, pw->pw_uid);
	tb_diag_add(
		c->diag, c->file, f->line,
		"unknown user '%s' in %s \"%s\" (no such user in the passwd database; give a user name or a numeric uid)",
		f->value, r->deny ? "deny" : "allow", r->title);
	return 0;
}

/* Adds the group @f names to @gids; @where names the rule for errors. */
static int tb_group(gid_t **gids, size_t *n, const struct tb_fact *f,
		    struct tb_conf_ctx *c, const char *where)
{
	unsigned long id;
	struct group *gr;

	if (tb_number(f->value, (gid_t)-2, &id))
		return tb_add_id(gids, n, (gid_t)id);
	gr = f->value[0] ? getgrnam(f->value) : NULL;
	if (gr)
		return tb_add_id(gids, n, gr->gr_gid);
	tb_diag_add(
		c->diag, c->file, f->line,
		"unknown group '%s' in %s (no such group in the group database; give a group name or a numeric gid)",
		f->value, where);
	return 0;
}

static int tb_rule_group(struct tb_rule *r, const struct tb_fact *f,
			 struct tb_conf_ctx *c)
{
	char where[TB_TITLE_MAX + 16];

	snprintf(where, sizeof(where), "%s \"%s\"", r->deny ? "deny" : "allow",
		 r->title);
	return tb_group(&r->gids, &r->ngids, f, c, where);
}

/* A bridge (0), macvtap lower device (1), adoptable tap (2) or proxy
 * uplink (3) of a rule. */
static int tb_rule_name(struct tb_rule *r, const struct tb_fact *f,
			struct tb_conf_ctx *c, int lower)
{
	static const char *const what[] = {
		"bridge name", "macvtap lower device name",
		"adoptable interface name", "proxy uplink name"};
	char why[128], shown[80];
	int err = lower == 1   ? tb_rule_add_name(&r->lowers, &r->nlowers,
						  f->value, why, sizeof(why))
		  : lower == 2 ? tb_rule_add_name(&r->adopts, &r->nadopts,
						  f->value, why, sizeof(why))
		  : lower == 3
			  ? tb_rule_add_name(&r->proxies, &r->nproxies,
					     f->value, why, sizeof(why))
			  : tb_rule_add_bridge(r, f->value, why, sizeof(why));

	if (err == -ENOMEM)
		return err;
	if (err) {
		tb_escape(f->value, strlen(f->value), shown, sizeof(shown));
		tb_diag_add(c->diag, c->file, f->line,
			    "%s '%s' in %s \"%s\" %s", what[lower], shown,
			    r->deny ? "deny" : "allow", r->title, why);
	}
	return 0;
}

/* An allow rule's number key (quota, mtu, queues) in [@min, @max]. */
static int tb_rule_number(struct tb_rule *r, const struct tb_fact *f,
			  struct tb_conf_ctx *c, unsigned long min,
			  unsigned long max, int *out)
{
	unsigned long n;

	if (r->deny)
		tb_diag_add(
			c->diag, c->file, f->line,
			"%s in deny \"%s\" means nothing: set it in an allow rule",
			f->key, r->title);
	else if (!tb_number(f->value, max, &n) || n < min)
		tb_diag_add(
			c->diag, c->file, f->line,
			"%s '%s' in allow \"%s\" is not a number from %lu to %lu",
			f->key, f->value, r->title, min, max);
	else
		*out = (int)n;
	return 0;
}

static int tb_rule_mode(struct tb_rule *r, const struct tb_fact *f,
			struct tb_conf_ctx *c)
{
	char shown[80];
	int mode = tb_macvtap_mode(f->value);

	if (r->deny) {
		tb_diag_add(
			c->diag, c->file, f->line,
			"macvtap_modes in deny \"%s\" means nothing: deny the lower device, or leave the mode out of the allow rule",
			r->title);
		return 0;
	}
	if (!mode) {
		tb_escape(f->value, strlen(f->value), shown, sizeof(shown));
		tb_diag_add(
			c->diag, c->file, f->line,
			"macvtap mode '%s' in allow \"%s\" is not one of vepa, bridge, private, passthru, source",
			shown, r->title);
		return 0;
	}
	r->modes |= 1u << mode;
	return 0;
}

static int tb_rule_vlans(struct tb_rule *r, const struct tb_fact *f,
			 struct tb_conf_ctx *c)
{
	char why[128];

	if (!r->vlans && !(r->vlans = calloc(1, sizeof(*r->vlans))))
		return -ENOMEM;
	if (r->deny)
		tb_diag_add(
			c->diag, c->file, f->line,
			"vlans in deny \"%s\" mean nothing: grant VLANs in allow rules only",
			r->title);
	else if (tb_vlan_parse(f->value, r->vlans, why, sizeof(why)))
		tb_diag_add(c->diag, c->file, f->line,
			    "vlans in allow \"%s\": %s", r->title, why);
	return 0;
}

static int tb_rule_trunk(struct tb_rule *r, const struct tb_fact *f,
			 struct tb_conf_ctx *c)
{
	if (!strcmp(f->value, "yes") || !strcmp(f->value, "true"))
		r->trunk = 1;
	else if (strcmp(f->value, "no") && strcmp(f->value, "false"))
		tb_diag_add(c->diag, c->file, f->line,
			    "trunk '%s' in %s \"%s\" is not yes or no",
			    f->value, r->deny ? "deny" : "allow", r->title);
	return 0;
}

static int tb_rule_prefix(struct tb_rule *r, const struct tb_fact *f,
			  struct tb_conf_ctx *c)
{
	struct tb_prefix p, *v;
	char why[128];

	if (tb_prefix_parse(f->value, 0, &p, why, sizeof(why))) {
		tb_diag_add(c->diag, c->file, f->line, "%s in %s \"%s\": %s",
			    f->key, r->deny ? "deny" : "allow", r->title, why);
		return 0;
	}
	if (r->nprefixes >= TB_POLICY_LIST_MAX)
		return -E2BIG;
	v = reallocarray(r->prefixes, r->nprefixes + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->prefixes = v;
	v[r->nprefixes++] = p;
	return 0;
}

static int tb_rule_table(struct tb_rule *r, const struct tb_fact *f,
			 struct tb_conf_ctx *c)
{
	uint32_t t;
	char why[160];

	if (tb_table_parse(f->value, &t, why, sizeof(why))) {
		tb_diag_add(
			c->diag, c->file, f->line,
			"table '%s' in %s \"%s\" is not main or a number 1-4294967294 other than 253 (default) and 255 (local)",
			f->value, r->deny ? "deny" : "allow", r->title);
		return 0;
	}
	return tb_add_id(&r->tables, &r->ntables, t);
}

static int tb_rule_metrics(struct tb_rule *r, const struct tb_fact *f,
			   struct tb_conf_ctx *c)
{
	if (tb_metrics_parse(f->value, &r->metric_lo, &r->metric_hi)) {
		tb_diag_add(
			c->diag, c->file, f->line,
			"metrics '%s' in %s \"%s\" is not a metric or a range N-M",
			f->value, r->deny ? "deny" : "allow", r->title);
		return 0;
	}
	r->has_metrics = 1;
	return 0;
}

/* guard = yes|no, router = yes|no: allow rules only. */
static int tb_rule_flag(struct tb_rule *r, const struct tb_fact *f,
			struct tb_conf_ctx *c, int *out)
{
	if (r->deny)
		tb_diag_add(
			c->diag, c->file, f->line,
			"%s in deny \"%s\" means nothing: set it in an allow rule",
			f->key, r->title);
	else if (!strcmp(f->value, "yes") || !strcmp(f->value, "true"))
		*out = 1;
	else if (strcmp(f->value, "no") && strcmp(f->value, "false"))
		tb_diag_add(c->diag, c->file, f->line,
			    "%s '%s' in allow \"%s\" is not yes or no", f->key,
			    f->value, r->title);
	return 0;
}

static int tb_rule_gateway(struct tb_rule *r, const struct tb_fact *f,
			   struct tb_conf_ctx *c)
{
	struct tb_prefix p, *v;
	char why[128];

	if (r->deny || tb_prefix_parse(f->value, 0, &p, why, sizeof(why))) {
		tb_diag_add(
			c->diag, c->file, f->line, "gateways in %s \"%s\": %s",
			r->deny ? "deny" : "allow", r->title,
			r->deny ? "grant gateways in allow rules only" : why);
		return 0;
	}
	if (r->ngateways >= TB_POLICY_LIST_MAX)
		return -E2BIG;
	v = reallocarray(r->gateways, r->ngateways + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->gateways = v;
	v[r->ngateways++] = p;
	return 0;
}

static int tb_rule_fact(struct tb_rule *r, const struct tb_fact *f,
			struct tb_conf_ctx *c)
{
	if (!strcmp(f->key, "routed") || !strcmp(f->key, "addresses"))
		return tb_rule_prefix(r, f, c);
	if (!strcmp(f->key, "gateways"))
		return tb_rule_gateway(r, f, c);
	if (!strcmp(f->key, "guard"))
		return tb_rule_flag(r, f, c, &r->guard);
	if (!strcmp(f->key, "router"))
		return tb_rule_flag(r, f, c, &r->router);
	if (!strcmp(f->key, "adopt"))
		return tb_rule_name(r, f, c, 2);
	if (!strcmp(f->key, "tables"))
		return tb_rule_table(r, f, c);
	if (!strcmp(f->key, "metrics"))
		return tb_rule_metrics(r, f, c);
	if (!strcmp(f->key, "vlans"))
		return tb_rule_vlans(r, f, c);
	if (!strcmp(f->key, "trunk"))
		return tb_rule_trunk(r, f, c);
	if (!strcmp(f->key, "macvtap"))
		return tb_rule_name(r, f, c, 1);
	if (!strcmp(f->key, "macvtap_modes"))
		return tb_rule_mode(r, f, c);
	if (!strcmp(f->key, "quota"))
		return tb_rule_number(r, f, c, 0, TB_QUOTA_MAX, &r->quota);
	if (!strcmp(f->key, "mtu"))
		return tb_rule_number(r, f, c, TB_MTU_MIN, TB_MTU_MAX, &r->mtu);
	if (!strcmp(f->key, "queues"))
		return tb_rule_number(r, f, c, 1, TB_QUEUES_LIMIT, &r->queues);
	if (!strcmp(f->key, "proxy"))
		return tb_rule_name(r, f, c, 3);
	if (!strcmp(f->key, "users"))
		return tb_rule_user(r, f, c);
	if (!strcmp(f->key, "groups"))
		return tb_rule_group(r, f, c);
	return tb_rule_name(r, f, c, 0);
}

/* A key assigned twice would silently drop the first list: refuse it. */
static void tb_check_repeat(struct tb_conf_ctx *c, size_t i)
{
	const struct tb_fact *f = &c->facts[i];

	if (!f->first)
		return;
	for (size_t j = 0; j < i; j++)
		if (c->facts[j].sec == f->sec &&
		    !strcmp(c->facts[j].key, f->key)) {
			tb_diag_add(c->diag, c->file, f->line,
				    "%s is set twice (first at line %d); %s",
				    f->key, c->facts[j].line,
				    strcmp(f->key, "qemu_acl") &&
						    strcmp(f->key, "quota") &&
						    strcmp(f->key, "pool") &&
						    strcmp(f->key, "trunk") &&
						    strcmp(f->key, "metrics") &&
						    strcmp(f->key, "mtu") &&
						    strcmp(f->key, "guard") &&
						    strcmp(f->key, "router") &&
						    strcmp(f->key, "queues")
					    ? "use one list, or += to add to it"
					    : "keep one");
			return;
		}
}

static int tb_title_ok(const char *t)
{
	size_t n = strlen(t);

	if (!n || n >= TB_TITLE_MAX)
		return 0;
	for (; *t; t++)
		if (!isprint((unsigned char)*t) || *t == '"' || *t == '\\')
			return 0;
	return 1;
}

static int tb_conf_rule(struct tb_policy *pol, struct tb_conf_ctx *c,
			cfg_t *sec, int deny, size_t idx)
{
	const char *kind = deny ? "deny" : "allow";
	int line = tb_opener_line(c, kind, idx, sec->line);
	struct tb_rule *r = tb_policy_new_rule(pol, c->file, line, c->diag);
	int err = 0;

	if (!r)
		return c->diag->count ? 0 : -ENOMEM;
	r->deny = deny;
	if (!tb_title_ok(cfg_title(sec)))
		tb_diag_add(
			c->diag, c->file, line,
			"%s needs a title of 1-%d printable characters without quotes: %s \"name\" { ... }",
			kind, TB_TITLE_MAX - 1, kind);
	snprintf(r->title, sizeof(r->title), "%s", cfg_title(sec));
	for (size_t i = 0; i < c->nfacts && !err; i++)
		if (c->facts[i].sec == sec)
			err = tb_rule_fact(r, &c->facts[i], c);
	if (err == -E2BIG)
		tb_diag_add(c->diag, c->file, line,
			    "%s \"%s\" lists more than %d entries in one key",
			    kind, r->title, TB_POLICY_LIST_MAX);
	if (!cfg_size(sec, "users") && !cfg_size(sec, "groups"))
		tb_diag_add(
			c->diag, c->file, line,
			"%s \"%s\" names no users or groups: add users = { ... } or groups = { ... }",
			kind, r->title);
	if (!cfg_size(sec, "bridges") && !cfg_size(sec, "macvtap") &&
	    !cfg_size(sec, "routed") && !cfg_size(sec, "addresses") &&
	    !(deny && cfg_size(sec, "proxy")))
		tb_diag_add(
			c->diag, c->file, line,
			"%s \"%s\" names no bridges: add bridges = { ... } (or { \"all\" }), macvtap = { ... } or addresses = { ... }",
			kind, r->title);
	if (cfg_size(sec, "macvtap_modes") && !cfg_size(sec, "macvtap"))
		tb_diag_add(
			c->diag, c->file, line,
			"%s \"%s\" sets macvtap_modes but names no macvtap lower device",
			kind, r->title);
	if (!deny && cfg_size(sec, "proxy") && !cfg_size(sec, "routed") &&
	    !cfg_size(sec, "addresses"))
		tb_diag_add(
			c->diag, c->file, line,
			"allow \"%s\" sets proxy but names no routed prefixes: proxy entries are for routed addresses",
			r->title);
	if (!r->deny && !r->modes)
		r->modes = 1u << TB_MODE_VEPA; /* the kernel's default */
	if (!err)
		err = tb_rule_members(r);
	return err == -ENOMEM ? err : 0;
}

/* ---- files, includes ----------------------------------------------------- */

static int tb_conf_include(struct tb_policy *pol, struct tb_conf_ctx *c,
			   const struct tb_fact *f, int depth)
{
	char path[PATH_MAX];
	glob_t g;
	int rc, err = 0;

	if (depth + 1 > TB_POLICY_DEPTH_MAX) {
		tb_diag_add(c->diag, c->file, f->line,
			    "include %s: includes nested deeper than %d",
			    f->value, TB_POLICY_DEPTH_MAX);
		return 0;
	}
	if (tb_policy_path(f->value, c->file, path, sizeof(path))) {
		tb_diag_add(c->diag, c->file, f->line,
			    "include: path is too long");
		return 0;
	}
	if (!strpbrk(f->value, "*?["))
		return tb_conf_load(pol, path, c->file, f->line, depth + 1,
				    c->diag) == -ENOMEM
			       ? -ENOMEM
			       : 0;
	rc = glob(path, GLOB_ERR, NULL, &g);
	if (rc == GLOB_NOMATCH) /* an empty drop-in directory is fine */
		return 0;
	if (rc) {
		tb_diag_add(c->diag, c->file, f->line,
			    "include %s: cannot list the files it names",
			    f->value);
		return 0;
	}
	for (size_t i = 0; i < g.gl_pathc && err != -ENOMEM; i++)
		err = tb_conf_load(pol, g.gl_pathv[i], c->file, f->line,
				   depth + 1, c->diag);
	globfree(&g);
	return err == -ENOMEM ? -ENOMEM : 0;
}

static int tb_conf_qemu_acl(struct tb_policy *pol, struct tb_conf_ctx *c,
			    const struct tb_fact *f, int depth)
{
	char path[PATH_MAX];

	if (tb_policy_path(f->value, c->file, path, sizeof(path))) {
		tb_diag_add(c->diag, c->file, f->line,
			    "qemu_acl: path is too long");
		return 0;
	}
	return tb_qemu_acl_load(pol, path, c->file, f->line, depth + 1,
				c->diag) == -ENOMEM
		       ? -ENOMEM
		       : 0;
}

/* pool = N: warm taps kept per bridge (0 turns the pool off). */
static void tb_conf_pool(struct tb_policy *pol, struct tb_conf_ctx *c,
			 const struct tb_fact *f)
{
	unsigned long n;

	if (!tb_number(f->value, TB_POOL_MAX, &n))
		tb_diag_add(c->diag, c->file, f->line,
			    "pool '%s' is not a number from 0 to %d", f->value,
			    TB_POOL_MAX);
	else
		pol->pool = (int)n;
}

/**
 * tb_policy_pool() - the warm pool the policy asks for
 * @pol:	the policy
 * @bridges:	receives the distinct bridges named by allow rules (a rule
 *		for every bridge names none: no pool can be made ahead for it)
 * @max:	room in @bridges
 * @n:		receives how many were stored
 *
 * Return: taps to keep per bridge: "pool = N", else TB_POOL_DEFAULT.
 */
unsigned int tb_policy_pool(const struct tb_policy *pol,
			    char (*bridges)[IFNAMSIZ], size_t max, size_t *n)
{
	size_t i, j, k;

	*n = 0;
	for (i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		for (j = 0; !r->deny && j < r->nbridges && *n < max; j++) {
			for (k = 0; k < *n && strcmp(bridges[k], r->bridges[j]);
			     k++)
				;
			if (k == *n)
				memcpy(bridges[(*n)++], r->bridges[j],
				       IFNAMSIZ);
		}
	}
	return pol->pool < 0 ? TB_POOL_DEFAULT : (unsigned int)pol->pool;
}

/* Top-level keys: include(...) and qemu_acl, acted on in file order. */
static int tb_conf_top(struct tb_policy *pol, struct tb_conf_ctx *c,
		       cfg_t *root, int depth)
{
	int err = 0;

	for (size_t i = 0; i < c->nfacts && !err; i++) {
		const struct tb_fact *f = &c->facts[i];

		if (f->sec != root)
			continue;
		if (!strcmp(f->key, "include"))
			err = tb_conf_include(pol, c, f, depth);
		else if (!strcmp(f->key, "admin_groups"))
			err = tb_group(&pol->admin_gids, &pol->nadmin, f, c,
				       "admin_groups");
		else if (!strcmp(f->key, "pool"))
			tb_conf_pool(pol, c, f);
		else
			err = tb_conf_qemu_acl(pol, c, f, depth);
	}
	return err;
}

static cfg_t *tb_conf_init(void)
{
	static cfg_opt_t rule_opts[] = {
		CFG_STR_LIST_CB("users", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("groups", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("bridges", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_CB("quota", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_CB("mtu", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_CB("queues", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("macvtap", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("vlans", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_CB("trunk", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("routed", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("adopt", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("tables", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_CB("metrics", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("macvtap_modes", NULL, CFGF_NODEFAULT,
				tb_fact_cb),
		CFG_STR_LIST_CB("proxy", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("addresses", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_LIST_CB("gateways", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_CB("guard", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_STR_CB("router", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_END(),
	};
	static cfg_opt_t opts[] = {
		CFG_SEC("allow", rule_opts,
			CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("deny", rule_opts,
			CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_STR_CB("qemu_acl", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_FUNC("include", tb_include_cb),
		CFG_STR_LIST_CB("admin_groups", NULL, CFGF_NODEFAULT,
				tb_fact_cb),
		CFG_STR_CB("pool", NULL, CFGF_NODEFAULT, tb_fact_cb),
		CFG_END(),
	};
	cfg_t *cfg = cfg_init(opts, CFGF_NONE);

	if (cfg)
		cfg_set_error_function(cfg, tb_conf_error);
	return cfg;
}

/* Parses @text; fills c->facts; returns the cfg_t or NULL (diag says). */
static cfg_t *tb_conf_parse(struct tb_conf_ctx *c, char *text)
{
	struct tb_conf_ctx *saved = tb_cur;
	cfg_t *cfg = NULL;
	FILE *fp = NULL;
	int rc = CFG_PARSE_ERROR;

	if (tb_scan(c, text))
		return NULL;
	tb_cur = c;
	cfg = tb_conf_init();
	/* fmemopen() refuses a zero size; a lone newline parses the same */
	fp = text[0] ? fmemopen(text, strlen(text), "r")
		     : fmemopen("\n", 1, "r");
	if (cfg && fp)
		rc = cfg_parse_fp(cfg, fp);
	if (fp)
		fclose(fp);
	tb_cur = saved;
	if (rc == CFG_SUCCESS && c->unclosed) {
		tb_scan_fail(c, c->unclosed, "{ ... } section");
		rc = CFG_PARSE_ERROR;
	}
	if (rc == CFG_SUCCESS)
		return cfg;
	if (!c->diag->count || c->oom)
		tb_diag_add(c->diag, c->file, 0, "cannot parse: %s",
			    c->oom || !cfg || !fp ? strerror(ENOMEM)
						  : "syntax error");
	if (cfg)
		cfg_free(cfg);
	return NULL;
}

static int tb_conf_rules(struct tb_policy *pol, struct tb_conf_ctx *c,
			 cfg_t *cfg)
{
	int err = 0;

	for (size_t i = 0; i < cfg_size(cfg, "allow") && !err; i++)
		err = tb_conf_rule(pol, c, cfg_getnsec(cfg, "allow", i), 0, i);
	for (size_t i = 0; i < cfg_size(cfg, "deny") && !err; i++)
		err = tb_conf_rule(pol, c, cfg_getnsec(cfg, "deny", i), 1, i);
	for (size_t i = 0; i < c->nfacts; i++)
		tb_check_repeat(c, i);
	return err;
}

/**
 * tb_conf_load() - read one tapbroker policy file and what it includes
 * @pol:	the policy being built
 * @path:	the file, relative to @from's directory when not absolute
 * @from:	the including file, or NULL
 * @from_line:	the line of the include in @from
 * @depth:	include depth of @path
 * @diag:	every problem, with FILE:LINE
 *
 * Return: 0 (problems go to @diag), or -errno when the file could not be
 * read or memory ran out.
 */
int tb_conf_load(struct tb_policy *pol, const char *path, const char *from,
		 int from_line, int depth, struct tb_diag *diag)
{
	struct tb_conf_ctx c = {.diag = diag};
	char *text;
	cfg_t *cfg;
	int err;

	err = tb_policy_read_file(pol, path, from, from_line, &text, &c.file,
				  diag);
	if (err)
		return err;
	if (!pol->config)
		pol->config = c.file;
	cfg = tb_conf_parse(&c, text);
	err = cfg ? tb_conf_rules(pol, &c, cfg) : 0;
	if (cfg && !err)
		err = tb_conf_top(pol, &c, cfg, depth);
	if (cfg)
		cfg_free(cfg);
	for (size_t i = 0; i < c.nfacts; i++)
		free(c.facts[i].value);
	free(c.facts);
	free(c.openers);
	free(text);
	return err;
}
