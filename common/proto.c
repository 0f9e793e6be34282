// SPDX-License-Identifier: GPL-2.0-or-later
/* Encoding, decoding and fd passing for the helper <-> broker protocol. */
#include "proto.h"
#include "fields.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TB_ALIGN(n) (((n) + 3u) & ~3u)

struct tb_attr_hdr {
	uint16_t type;
	uint16_t len;
};

enum tb_kind { TB_K_NONE, TB_K_U32, TB_K_STR };

/* What each attribute holds and how long its value may be (NUL included). */
static const struct {
	enum tb_kind kind;
	size_t max;
	const char *name;
} tb_spec[TB_A_MAX] = {
	[TB_A_BRIDGE] = {TB_K_STR, IFNAMSIZ, "bridge"},
	[TB_A_FLAGS] = {TB_K_U32, 4, "flags"},
	[TB_A_STATUS] = {TB_K_U32, 4, "status"},
	[TB_A_MESSAGE] = {TB_K_STR, TB_MESSAGE_MAX, "message"},
	[TB_A_IFNAME] = {TB_K_STR, IFNAMSIZ, "ifname"},
	[TB_A_TEXT] = {TB_K_STR, TB_TEXT_MAX, "text"},
	[TB_A_MTU] = {TB_K_U32, 4, "mtu"},
	[TB_A_LOWER] = {TB_K_STR, IFNAMSIZ, "lower"},
	[TB_A_MODE] = {TB_K_STR, TB_MODE_NAME_MAX, "mode"},
	[TB_A_VLAN] = {TB_K_U32, 4, "vlan"},
	[TB_A_TRUNK] = {TB_K_STR, TB_TRUNK_MAX, "trunk"},
	[TB_A_ADDRS] = {TB_K_STR, TB_ADDRS_MAX, "addresses"},
	[TB_A_TABLES] = {TB_K_STR, TB_TABLES_MAX, "tables"},
	[TB_A_METRIC] = {TB_K_U32, 4, "metric"},
	[TB_A_GATEWAY] = {TB_K_STR, TB_GATEWAY_MAX, "gateway"},
	[TB_A_ADOPT] = {TB_K_STR, IFNAMSIZ, "adopt"},
	[TB_A_LABEL] = {TB_K_STR, TB_LABEL_MAX, "label"},
	[TB_A_QUEUES] = {TB_K_U32, 4, "queues"},
	[TB_A_PROXY] = {TB_K_STR, IFNAMSIZ, "proxy"},
	[TB_A_MAC] = {TB_K_STR, TB_MAC_MAX, "mac"},
};

struct tb_writer {
	uint8_t *buf;
	size_t size;
	size_t off;
	int overflow;
};

struct tb_attrs {
	const uint8_t *val[TB_A_MAX];
	size_t len[TB_A_MAX];
};

static int tb_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tb_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static void tb_put(struct tb_writer *w, uint16_t type, const void *val,
		   size_t len)
{
	struct tb_attr_hdr ah = {.type = type, .len = (uint16_t)(4 + len)};
	size_t need = TB_ALIGN(4 + len);

	if (w->overflow || len > TB_MSG_MAX || need > w->size - w->off) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->off, &ah, sizeof(ah));
	memcpy(w->buf + w->off + 4, val, len);
	memset(w->buf + w->off + 4 + len, 0, need - 4 - len);
	w->off += need;
}

static void tb_put_str(struct tb_writer *w, uint16_t type, const char *s)
{
	size_t len = strnlen(s, tb_spec[type].max);

	if (len >= tb_spec[type].max) {
		w->overflow = 1;
		return;
	}
	tb_put(w, type, s, len + 1);
}

static void tb_put_u32(struct tb_writer *w, uint16_t type, uint32_t v)
{
	tb_put(w, type, &v, sizeof(v));
}

static int tb_begin(struct tb_writer *w, void *buf, size_t size)
{
	if (size < sizeof(struct tb_hdr))
		return -ENOSPC;
	if (size > TB_MSG_MAX)
		size = TB_MSG_MAX;
	*w = (struct tb_writer){
		.buf = buf, .size = size, .off = sizeof(struct tb_hdr)};
	return 0;
}

static ssize_t tb_finish(struct tb_writer *w, uint16_t op)
{
	struct tb_hdr h = {
		.magic = TB_PROTO_MAGIC,
		.version = TB_PROTO_VERSION,
		.op = op,
		.len = (uint32_t)(w->off - sizeof(struct tb_hdr)),
	};

	if (w->overflow)
		return -EMSGSIZE;
	memcpy(w->buf, &h, sizeof(h));
	return (ssize_t)w->off;
}

ssize_t tb_request_encode(const struct tb_request *req, void *buf, size_t size)
{
	struct tb_writer w;

	if (tb_begin(&w, buf, size))
		return -ENOSPC;
	switch (req->op) {
	case 0:
	case TB_OP_TAP:
		tb_put_u32(&w, TB_A_FLAGS, req->flags);
		if (req->lower[0])
			tb_put_str(&w, TB_A_LOWER, req->lower);
		else if (!(req->flags & TB_F_ROUTED))
			tb_put_str(&w, TB_A_BRIDGE, req->bridge);
		if (req->mode[0])
			tb_put_str(&w, TB_A_MODE, req->mode);
		if (req->mtu)
			tb_put_u32(&w, TB_A_MTU, req->mtu);
		if (req->vlan)
			tb_put_u32(&w, TB_A_VLAN, req->vlan);
		if (req->trunk[0])
			tb_put_str(&w, TB_A_TRUNK, req->trunk);
		if (req->addrs[0])
			tb_put_str(&w, TB_A_ADDRS, req->addrs);
		if (req->tables[0])
			tb_put_str(&w, TB_A_TABLES, req->tables);
		if (req->flags & TB_F_METRIC)
			tb_put_u32(&w, TB_A_METRIC, req->metric);
		if (req->gateway[0])
			tb_put_str(&w, TB_A_GATEWAY, req->gateway);
		if (req->adopt[0])
			tb_put_str(&w, TB_A_ADOPT, req->adopt);
		if (req->label[0])
			tb_put_str(&w, TB_A_LABEL, req->label);
		if (req->queues)
			tb_put_u32(&w, TB_A_QUEUES, req->queues);
		if (req->proxy[0])
			tb_put_str(&w, TB_A_PROXY, req->proxy);
		if (req->mac[0])
			tb_put_str(&w, TB_A_MAC, req->mac);
		return tb_finish(&w, TB_OP_TAP);
	case TB_OP_STATUS:
		return tb_finish(&w, TB_OP_STATUS);
	case TB_OP_RELEASE:
		tb_put_str(&w, TB_A_IFNAME, req->ifname);
		return tb_finish(&w, TB_OP_RELEASE);
	default:
		return -EINVAL;
	}
}

ssize_t tb_reply_encode(const struct tb_reply *rep, void *buf, size_t size)
{
	struct tb_writer w;

	if (tb_begin(&w, buf, size))
		return -ENOSPC;
	tb_put_u32(&w, TB_A_STATUS, (uint32_t)rep->status);
	if (rep->flags)
		tb_put_u32(&w, TB_A_FLAGS, rep->flags);
	if (rep->text[0])
		tb_put_str(&w, TB_A_TEXT, rep->text);
	if (rep->message[0])
		tb_put_str(&w, TB_A_MESSAGE, rep->message);
	if (rep->ifname[0])
		tb_put_str(&w, TB_A_IFNAME, rep->ifname);
	if (rep->queues)
		tb_put_u32(&w, TB_A_QUEUES, rep->queues);
	return tb_finish(&w, TB_OP_REPLY);
}

static int tb_check_value(uint16_t type, const uint8_t *val, size_t len,
			  char *err, size_t errlen)
{
	const char *name = tb_spec[type].name;

	if (tb_spec[type].kind == TB_K_U32 && len != 4)
		return tb_fail(err, errlen, "attribute %s has %zu bytes, not 4",
			       name, len);
	if (tb_spec[type].kind != TB_K_STR)
		return 0;
	if (len == 0 || len > tb_spec[type].max)
		return tb_fail(
			err, errlen,
			"attribute %s is %zu bytes long (1..%zu allowed)", name,
			len, tb_spec[type].max);
	if (memchr(val, '\0', len) != val + len - 1)
		return tb_fail(err, errlen,
			       "attribute %s is not one NUL-terminated string",
			       name);
	return 0;
}

/* Walks the attributes of a frame whose header was checked already. */
static int tb_parse_attrs(const uint8_t *p, size_t len, uint32_t allowed,
			  struct tb_attrs *a, char *err, size_t errlen)
{
	struct tb_attr_hdr ah;
	size_t off = 0;

	memset(a, 0, sizeof(*a));
	while (off < len) {
		if (len - off < sizeof(ah))
			return tb_fail(err, errlen,
				       "truncated attribute header at byte %zu",
				       off);
		memcpy(&ah, p + off, sizeof(ah));
		if (ah.len < sizeof(ah) || ah.len > len - off)
			return tb_fail(
				err, errlen,
				"attribute at byte %zu has length %u, frame has %zu left",
				off, ah.len, len - off);
		if (ah.type == 0 || ah.type >= TB_A_MAX ||
		    !(allowed & (1u << ah.type)))
			return tb_fail(
				err, errlen,
				"unknown attribute type %u (helper and broker versions differ?)",
				ah.type);
		if (a->val[ah.type])
			return tb_fail(err, errlen, "attribute %s given twice",
				       tb_spec[ah.type].name);
		if (tb_check_value(ah.type, p + off + 4, ah.len - 4u, err,
				   errlen))
			return -EBADMSG;
		a->val[ah.type] = p + off + 4;
		a->len[ah.type] = ah.len - 4u;
		off += TB_ALIGN(ah.len) < len - off ? TB_ALIGN(ah.len)
						    : len - off;
	}
	return 0;
}

/* Checks the header; @ops is a bit set of the operations accepted. */
static int tb_parse(const void *buf, size_t len, uint32_t ops, uint16_t *op,
		    uint32_t allowed, struct tb_attrs *a, char *err,
		    size_t errlen)
{
	struct tb_hdr h;

	if (len < sizeof(h))
		return tb_fail(
			err, errlen,
			"frame of %zu bytes is shorter than its %zu-byte header",
			len, sizeof(h));
	if (len > TB_MSG_MAX)
		return tb_fail(err, errlen,
			       "frame of %zu bytes exceeds the %d-byte limit",
			       len, TB_MSG_MAX);
	memcpy(&h, buf, sizeof(h));
	if (h.magic != TB_PROTO_MAGIC)
		return tb_fail(err, errlen,
			       "bad magic 0x%08x: not a tapbroker frame",
			       h.magic);
	if (h.version != TB_PROTO_VERSION)
		return tb_fail(
			err, errlen,
			"protocol version %u, this side speaks %d (update helper and broker together)",
			h.version, TB_PROTO_VERSION);
	if (h.op >= 32 || !(ops & (1u << h.op)))
		return tb_fail(err, errlen, "unexpected operation %u", h.op);
	*op = h.op;
	if (h.len != len - sizeof(h))
		return tb_fail(err, errlen,
			       "header says %u bytes follow, %zu arrived",
			       h.len, len - sizeof(h));
	return tb_parse_attrs((const uint8_t *)buf + sizeof(h), h.len, allowed,
			      a, err, errlen);
}

/* A queue count: 1 to TB_QUEUES_MAX (the attribute says "given"). */
static int tb_queues_decode(const uint8_t *val, uint32_t *queues, char *err,
			    size_t errlen)
{
	memcpy(queues, val, 4);
	if (*queues < 1 || *queues > TB_QUEUES_MAX)
		return tb_fail(err, errlen,
			       "%u queues asked for (1-%d allowed)", *queues,
			       TB_QUEUES_MAX);
	return 0;
}

/* The attributes each request operation may carry. */
static uint32_t tb_request_attrs(uint16_t op)
{
	switch (op) {
	case TB_OP_TAP:
		return (1u << TB_A_BRIDGE) | (1u << TB_A_FLAGS) |
		       (1u << TB_A_MTU) | (1u << TB_A_LOWER) |
		       (1u << TB_A_MODE) | (1u << TB_A_VLAN) |
		       (1u << TB_A_TRUNK) | (1u << TB_A_ADDRS) |
		       (1u << TB_A_TABLES) | (1u << TB_A_METRIC) |
		       (1u << TB_A_GATEWAY) | (1u << TB_A_ADOPT) |
		       (1u << TB_A_LABEL) | (1u << TB_A_QUEUES) |
		       (1u << TB_A_PROXY) | (1u << TB_A_MAC);
	case TB_OP_RELEASE:
		return 1u << TB_A_IFNAME;
	default:
		return 0;
	}
}

/* Copies string attribute @t, if given, into @out (sized by its spec). */
static void tb_copy(const struct tb_attrs *a, uint16_t t, char *out)
{
	if (a->val[t])
		memcpy(out, a->val[t], a->len[t]);
}

/* A routed tap: addresses (required) and their options, no bridge. */
static int tb_routed_decode(const struct tb_attrs *a, struct tb_request *req,
			    char *err, size_t errlen)
{
	if (a->val[TB_A_BRIDGE] || a->val[TB_A_LOWER] || a->val[TB_A_VLAN] ||
	    a->val[TB_A_TRUNK] || a->val[TB_A_ADOPT])
		return tb_fail(
			err, errlen,
			"a routed tap takes no bridge, macvtap, VLAN or adopted tap");
	if (!a->val[TB_A_ADDRS] || !a->val[TB_A_ADDRS][0])
		return tb_fail(err, errlen, "a routed tap needs addresses");
	memcpy(req->addrs, a->val[TB_A_ADDRS], a->len[TB_A_ADDRS]);
	if (a->val[TB_A_TABLES])
		memcpy(req->tables, a->val[TB_A_TABLES], a->len[TB_A_TABLES]);
	if (a->val[TB_A_GATEWAY])
		memcpy(req->gateway, a->val[TB_A_GATEWAY],
		       a->len[TB_A_GATEWAY]);
	if (a->val[TB_A_METRIC]) { /* the attribute is what says "given" */
		memcpy(&req->metric, a->val[TB_A_METRIC], 4);
		req->flags |= TB_F_METRIC;
	}
	if (a->val[TB_A_MTU])
		memcpy(&req->mtu, a->val[TB_A_MTU], 4);
	if (a->val[TB_A_PROXY] && !a->val[TB_A_PROXY][0])
		return tb_fail(err, errlen, "an empty proxy uplink name");
	if (a->val[TB_A_PROXY])
		memcpy(req->proxy, a->val[TB_A_PROXY], a->len[TB_A_PROXY]);
	if (req->flags & ~TB_F_KNOWN)
		return tb_fail(err, errlen, "unknown request flags 0x%x",
			       req->flags & ~TB_F_KNOWN);
	return 0;
}

/* The guest's MAC: a unicast, non-zero address (fields.c). */
static int tb_mac_decode(const struct tb_attrs *a, struct tb_request *req,
			 char *err, size_t errlen)
{
	uint8_t mac[6];
	char why[96];

	if (tb_mac_parse((const char *)a->val[TB_A_MAC], mac, why, sizeof(why)))
		return tb_fail(err, errlen, "mac: %s", why);
	memcpy(req->mac, a->val[TB_A_MAC], a->len[TB_A_MAC]);
	return 0;
}

/* A tap in a bridge, or a macvtap: one of them, with its options. */
static int tb_bridged_decode(const struct tb_attrs *a, struct tb_request *req,
			     char *err, size_t errlen)
{
	if (a->val[TB_A_PROXY] || a->val[TB_A_TABLES] || a->val[TB_A_METRIC] ||
	    a->val[TB_A_GATEWAY] || (req->flags & TB_F_METRIC))
		return tb_fail(
			err, errlen,
			"a proxy uplink without a routed tap (nor tables, metric, gateway)");
	if (!a->val[TB_A_BRIDGE] && !a->val[TB_A_LOWER])
		return tb_fail(err, errlen, "request names no bridge");
	if ((a->val[TB_A_BRIDGE] && !a->val[TB_A_BRIDGE][0]) ||
	    (a->val[TB_A_LOWER] && !a->val[TB_A_LOWER][0]))
		return tb_fail(err, errlen, "an empty interface name");
	if (a->val[TB_A_BRIDGE] && a->val[TB_A_LOWER])
		return tb_fail(
			err, errlen,
			"request names both a bridge and a macvtap lower device");
	if (a->val[TB_A_MODE] && !a->val[TB_A_LOWER])
		return tb_fail(err, errlen,
			       "a mode without a macvtap lower device");
	if (a->val[TB_A_ADOPT] && a->val[TB_A_LOWER])
		return tb_fail(err, errlen, "a macvtap cannot adopt a tap");
	tb_copy(a, TB_A_BRIDGE, req->bridge);
	tb_copy(a, TB_A_LOWER, req->lower);
	tb_copy(a, TB_A_MODE, req->mode);
	tb_copy(a, TB_A_TRUNK, req->trunk);
	tb_copy(a, TB_A_ADOPT, req->adopt);
	tb_copy(a, TB_A_ADDRS, req->addrs);
	if (a->val[TB_A_MTU])
		memcpy(&req->mtu, a->val[TB_A_MTU], 4);
	if (a->val[TB_A_VLAN])
		memcpy(&req->vlan, a->val[TB_A_VLAN], 4);
	if (req->flags & ~TB_F_KNOWN)
		return tb_fail(err, errlen, "unknown request flags 0x%x",
			       req->flags & ~TB_F_KNOWN);
	return 0;
}

int tb_request_decode(const void *buf, size_t len, struct tb_request *req,
		      char *err, size_t errlen)
{
	uint32_t ops = (1u << TB_OP_TAP) | (1u << TB_OP_STATUS) |
		       (1u << TB_OP_RELEASE);
	struct tb_attrs a;
	int ret;

	memset(req, 0, sizeof(*req));
	ret = tb_parse(buf, len, ops, &req->op, 0xffffffffu, &a, err, errlen);
	if (ret)
		return ret;
	for (uint16_t t = 1; t < TB_A_MAX; t++)
		if (a.val[t] && !(tb_request_attrs(req->op) & (1u << t)))
			return tb_fail(
				err, errlen,
				"attribute %s does not belong in operation %u",
				tb_spec[t].name, req->op);
	if (req->op == TB_OP_RELEASE) {
		if (!a.val[TB_A_IFNAME] || !a.val[TB_A_IFNAME][0])
			return tb_fail(err, errlen,
				       "release names no interface");
		memcpy(req->ifname, a.val[TB_A_IFNAME], a.len[TB_A_IFNAME]);
		return 0;
	}
	if (req->op == TB_OP_STATUS)
		return 0;
	if (a.val[TB_A_FLAGS])
		memcpy(&req->flags, a.val[TB_A_FLAGS], 4);
	if (a.val[TB_A_LABEL])
		memcpy(req->label, a.val[TB_A_LABEL], a.len[TB_A_LABEL]);
	if (a.val[TB_A_QUEUES] &&
	    tb_queues_decode(a.val[TB_A_QUEUES], &req->queues, err, errlen))
		return -EBADMSG;
	if ((req->flags & TB_F_VHOST) && !(req->flags & TB_F_VNET_HDR))
		return tb_fail(err, errlen, "vhost-net needs a vnet_hdr tap");
	if (a.val[TB_A_MAC] && tb_mac_decode(&a, req, err, errlen))
		return -EBADMSG;
	if (req->flags & TB_F_ROUTED)
		return tb_routed_decode(&a, req, err, errlen);
	return tb_bridged_decode(&a, req, err, errlen);
}

int tb_reply_decode(const void *buf, size_t len, struct tb_reply *rep,
		    char *err, size_t errlen)
{
	struct tb_attrs a;
	uint16_t op;
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = tb_parse(buf, len, 1u << TB_OP_REPLY, &op,
		       (1u << TB_A_STATUS) | (1u << TB_A_MESSAGE) |
			       (1u << TB_A_IFNAME) | (1u << TB_A_FLAGS) |
			       (1u << TB_A_TEXT) | (1u << TB_A_QUEUES),
		       &a, err, errlen);
	if (ret)
		return ret;
	if (!a.val[TB_A_STATUS])
		return tb_fail(err, errlen, "reply carries no status");
	memcpy(&rep->status, a.val[TB_A_STATUS], 4);
	if (rep->status > 0 || rep->status < -4095)
		return tb_fail(err, errlen, "reply status %d is out of range",
			       rep->status);
	if (a.val[TB_A_MESSAGE])
		memcpy(rep->message, a.val[TB_A_MESSAGE], a.len[TB_A_MESSAGE]);
	if (a.val[TB_A_IFNAME])
		memcpy(rep->ifname, a.val[TB_A_IFNAME], a.len[TB_A_IFNAME]);
	if (a.val[TB_A_TEXT])
		memcpy(rep->text, a.val[TB_A_TEXT], a.len[TB_A_TEXT]);
	if (a.val[TB_A_FLAGS])
		memcpy(&rep->flags, a.val[TB_A_FLAGS], 4);
	if (rep->flags & ~(TB_R_MORE | TB_R_VHOST))
		return tb_fail(err, errlen, "unknown reply flags 0x%x",
			       rep->flags & ~(TB_R_MORE | TB_R_VHOST));
	if (a.val[TB_A_QUEUES])
		return tb_queues_decode(a.val[TB_A_QUEUES], &rep->queues, err,
					errlen);
	return 0;
}
