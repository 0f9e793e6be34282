// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: protocol round trips, every malformed frame, fd passing. */
#include "proto.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t buf[TB_MSG_MAX + 64];
static char err[TB_ERR_MAX];

static ssize_t good_request(void)
{
	struct tb_request req = {.flags = TB_F_VNET_HDR, .bridge = "br0"};

	return tb_request_encode(&req, buf, sizeof(buf));
}

static int decode(size_t len)
{
	struct tb_request req;

	err[0] = '\0';
	return tb_request_decode(buf, len, &req, err, sizeof(err));
}

static void put16(size_t off, uint16_t v)
{
	memcpy(buf + off, &v, 2);
}
static void put32(size_t off, uint32_t v)
{
	memcpy(buf + off, &v, 4);
}

static void test_round_trip(void)
{
	struct tb_request req;
	struct tb_reply rep = {.status = -13,
			       .ifname = "tb7",
			       .message = "bridge br9 is not allowed"},
			back;
	ssize_t n = good_request();

	ok(n > 0, "request encodes (%zd bytes)", n);
	is_int(tb_request_decode(buf, (size_t)n, &req, err, sizeof(err)), 0,
	       "request decodes");
	is_str(req.bridge, "br0", "bridge survives the round trip");
	is_int(req.flags, TB_F_VNET_HDR, "flags survive the round trip");
	n = tb_reply_encode(&rep, buf, sizeof(buf));
	is_int(tb_reply_decode(buf, (size_t)n, &back, err, sizeof(err)), 0,
	       "reply decodes");
	is_int(back.status, -13, "reply status survives");
	is_str(back.message, rep.message, "reply message survives");
	is_str(back.ifname, "tb7", "reply ifname survives");
}

static void test_header(void)
{
	size_t n = (size_t)good_request();

	ok(decode(3) == -EBADMSG, "3-byte frame refused");
	like(err, "shorter than its", "... saying it is short");
	ok(decode(TB_MSG_MAX + 1) == -EBADMSG, "oversized frame refused");
	put32(0, 0xdeadbeef);
	ok(decode(n) == -EBADMSG, "bad magic refused");
	like(err, "bad magic", "... saying so");
	good_request();
	put16(4, 99);
	ok(decode(n) == -EBADMSG, "wrong version refused");
	like(err, "protocol version 99", "... naming the version");
	good_request();
	put16(6, TB_OP_REPLY);
	ok(decode(n) == -EBADMSG, "wrong operation refused");
	good_request();
	ok(decode(n - 4) == -EBADMSG, "truncated frame refused");
	like(err, "header says", "... length mismatch named");
	put32(8, (uint32_t)(n - sizeof(struct tb_hdr) + 4));
	ok(decode(n + 4) == -EBADMSG, "trailing junk refused");
}

static void test_attrs(void)
{
	size_t n = (size_t)good_request(), a = sizeof(struct tb_hdr);

	put16(a + 2, 2);
	ok(decode(n) == -EBADMSG, "attribute shorter than its header refused");
	good_request();
	put16(a + 2, 4000);
	ok(decode(n) == -EBADMSG, "attribute longer than the frame refused");
	like(err, "has length 4000", "... naming the length");
	good_request();
	put16(a, 77);
	ok(decode(n) == -EBADMSG, "unknown attribute refused");
	like(err, "unknown attribute type 77", "... naming the type");
	good_request();
	put16(a, TB_A_STATUS);
	ok(decode(n) == -EBADMSG, "reply-only attribute in a request refused");
	good_request();
	put16(a + 8, TB_A_FLAGS);
	ok(decode(n) == -EBADMSG, "repeated attribute refused");
	like(err, "given twice", "... saying so");
	good_request();
	put32(a + 4, 0x80);
	ok(decode(n) == -EBADMSG, "unknown flag refused");
	good_request();
	put16(a + 2, 6);
	ok(decode(n) == -EBADMSG, "u32 attribute of 2 bytes refused");
}

static void test_strings(void)
{
	size_t n = (size_t)good_request(), s = sizeof(struct tb_hdr) + 8;

	buf[s + 4 + 3] = 'X';
	ok(decode(n) == -EBADMSG, "bridge without NUL refused");
	like(err, "NUL-terminated", "... saying so");
	good_request();
	buf[s + 4 + 1] = '\0';
	ok(decode(n) == -EBADMSG, "bridge with inner NUL refused");
	good_request();
	put16(s + 2, 4);
	ok(decode(n) == -EBADMSG, "empty string attribute refused");
	good_request();
	put32(sizeof(struct tb_hdr) - 4, 8);
	ok(decode(sizeof(struct tb_hdr) + 8) == -EBADMSG,
	   "request without bridge refused");
	like(err, "names no bridge", "... saying so");
}

static void test_encode_bounds(void)
{
	struct tb_request req = {0};
	struct tb_reply rep = {0};

	memset(req.bridge, 'a', sizeof(req.bridge));
	ok(tb_request_encode(&req, buf, sizeof(buf)) == -EMSGSIZE,
	   "unterminated bridge is not encoded");
	ok(tb_request_encode(&req, buf, 4) == -ENOSPC,
	   "tiny buffer is refused");
	memset(rep.message, 'm', sizeof(rep.message) - 1);
	ok(tb_reply_encode(&rep, buf, 64) == -EMSGSIZE,
	   "reply larger than buffer is refused");
	rep.status = 5;
	ok(tb_reply_encode(&rep, buf, sizeof(buf)) > 0 &&
		   tb_reply_decode(buf, sizeof(buf), &rep, err, 8) == -EBADMSG,
	   "reply decoding refuses a length mismatch");
}

static int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fd_is_open(fd);
	return n;
}

static void test_fdpass(void)
{
	int sv[2], fd, two[2], got, before;
	char c = 'x';
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char b[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr a;
	} cb;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cb.b,
			     .msg_controllen = sizeof(cb.b)};
	struct cmsghdr *cm;

	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	fd = open("/dev/null", O_RDONLY);
	is_int(tb_send_fd(sv[0], "a", 1, fd), 0, "send with fd");
	ok(tb_recv_fd(sv[1], buf, 8, &got) == 1 && got >= 0, "one fd received");
	ok((fcntl(got, F_GETFD) & FD_CLOEXEC) != 0, "received fd is cloexec");
	close(got);
	tb_send_fd(sv[0], "a", 1, fd);
	ok(tb_recv_fd(sv[1], buf, 8, NULL) == -EBADMSG,
	   "fd where none is expected refused");
	ok(pipe(two) == 0, "pipe");
	before = count_fds();
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(cm), two, sizeof(two));
	sendmsg(sv[0], &msg, 0);
	ok(tb_recv_fd(sv[1], buf, 8, &got) == -EBADMSG && got == -1,
	   "two fds refused");
	is_int(count_fds(), before, "... and the fds that came are closed");
	ok(fd_is_open(two[0]), "(sender keeps its own copies)");
	tb_send_fd(sv[0], "abcdef", 6, -1);
	ok(tb_recv_fd(sv[1], buf, 3, &got) == -EMSGSIZE,
	   "frame longer than the buffer refused (MSG_TRUNC)");
	close(sv[0]);
	is_int(tb_recv_fd(sv[1], buf, 8, &got), 0, "end of stream is 0");
	close(sv[1]);
	close(fd);
}

/* tb_recv_nofds(): fds that come are never installed; a peek leaves the
 * frame (and its files) queued. */
static void test_recv_nofds(void)
{
	char frame[8];
	int sv[2], fd, before;

	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	fd = open("/dev/null", O_RDONLY);
	before = count_fds();
	tb_send_fd(sv[0], "abc", 3, fd);
	is_int(tb_recv_nofds(sv[1], frame, sizeof(frame), MSG_PEEK), -ENOTUNIQ,
	       "nofds: a peek sees the fd that came (MSG_CTRUNC)");
	is_int(count_fds(), before, "... and installs none");
	is_int(tb_recv_nofds(sv[1], frame, sizeof(frame), 0), -ENOTUNIQ,
	       "nofds: the frame is still there, refused again");
	is_int(count_fds(), before, "... and no fd is installed either");
	is_int(tb_recv_nofds(sv[1], frame, sizeof(frame), 0), -EAGAIN,
	       "nofds: never waits (MSG_DONTWAIT)");
	tb_send_fd(sv[0], "abc", 3, -1);
	is_int(tb_recv_nofds(sv[1], frame, 2, 0), -EMSGSIZE,
	       "nofds: a frame longer than the buffer is refused");
	tb_send_fd(sv[0], "abc", 3, -1);
	is_int(tb_recv_nofds(sv[1], frame, sizeof(frame), 0), 3,
	       "nofds: a plain frame is read");
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

static void test_admin_ops(void)
{
	struct tb_request req = {.op = TB_OP_STATUS}, got;
	struct tb_reply rep = {.flags = TB_R_MORE}, rgot;
	ssize_t n;

	n = tb_request_encode(&req, buf, sizeof(buf));
	ok(n > 0 && !tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)),
	   "status request round trip");
	is_int(got.op, TB_OP_STATUS, "... keeps its operation");
	req = (struct tb_request){.op = TB_OP_RELEASE};
	snprintf(req.ifname, sizeof(req.ifname), "tb7");
	n = tb_request_encode(&req, buf, sizeof(buf));
	ok(n > 0 && !tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)),
	   "release request round trip");
	is_str(got.ifname, "tb7", "... keeps the interface name");
	req.ifname[0] = '\0';
	n = tb_request_encode(&req, buf, sizeof(buf));
	ok(n < 0 || tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)),
	   "release without an interface: refused");
	n = good_request();
	put16(6, TB_OP_RELEASE); /* a tap request's attributes, relabelled */
	ok(tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)) != 0,
	   "release carrying a bridge: refused");
	like(err, "does not belong in operation 4", "... saying why");
	put16(6, 9);
	ok(tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)) != 0,
	   "unknown operation 9: refused");
	req = (struct tb_request){.op = TB_OP_TAP};
	snprintf(req.lower, sizeof(req.lower), "eth0");
	snprintf(req.mode, sizeof(req.mode), "bridge");
	n = tb_request_encode(&req, buf, sizeof(buf));
	ok(n > 0 && !tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)),
	   "macvtap request round trip");
	ok(!strcmp(got.lower, "eth0") && !strcmp(got.mode, "bridge") &&
		   !got.bridge[0],
	   "... keeps lower device and mode, no bridge");
	snprintf(rep.text, sizeof(rep.text), "tb0 uid=0\ntb1 uid=1\n");
	n = tb_reply_encode(&rep, buf, sizeof(buf));
	ok(n > 0 && !tb_reply_decode(buf, (size_t)n, &rgot, err, sizeof(err)),
	   "reply with text and the more flag: round trip");
	is_str(rgot.text, rep.text, "... keeps the text");
	is_int(rgot.flags, TB_R_MORE, "... and the flag");
	rep.flags = 0x80;
	n = tb_reply_encode(&rep, buf, sizeof(buf));
	ok(tb_reply_decode(buf, (size_t)n, &rgot, err, sizeof(err)) != 0,
	   "reply with unknown flags: refused");
}

static void test_queues(void)
{
	struct tb_request req = {.op = TB_OP_TAP,
				 .flags = TB_F_VNET_HDR | TB_F_VHOST |
					  TB_F_LAUNCHER,
				 .bridge = "br0",
				 .queues = 4},
			  got;
	struct tb_reply rep = {.flags = TB_R_VHOST, .queues = 4}, rgot;
	int sv[2], fds[TB_FDS_MAX], in[TB_FDS_MAX];
	size_t nfds, i;
	ssize_t n;

	n = tb_request_encode(&req, buf, sizeof(buf));
	ok(n > 0 && !tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)),
	   "launcher request with 4 queues and vhost: round trip");
	ok(got.queues == 4 && got.flags == req.flags,
	   "... keeps the queues and the flags");
	for (uint32_t q = 0; q <= TB_QUEUES_MAX + 1; q += TB_QUEUES_MAX + 1) {
		req.queues = 1; /* the last attribute: its value is replaced */
		n = tb_request_encode(&req, buf, sizeof(buf));
		put32((size_t)n - 4, q);
		ok(tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)) !=
			   0,
		   "%u queues: refused", q);
		like(err, "queues asked for (1-16 allowed)", "... saying why");
	}
	req.queues = 2;
	req.flags = TB_F_VHOST;
	n = tb_request_encode(&req, buf, sizeof(buf));
	ok(tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)) != 0,
	   "vhost without vnet_hdr: refused");
	n = tb_reply_encode(&rep, buf, sizeof(buf));
	ok(n > 0 && !tb_reply_decode(buf, (size_t)n, &rgot, err, sizeof(err)),
	   "reply with 4 queues and vhost: round trip");
	ok(rgot.queues == 4 && rgot.flags == TB_R_VHOST, "... keeps both");

	/* 32 fds in one frame, and one too many for the receiver */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		ok(0, "socketpair");
		return;
	}
	for (i = 0; i < TB_FDS_MAX; i++)
		in[i] = sv[0];
	ok(!tb_send_fds(sv[0], "x", 1, in, TB_FDS_MAX),
	   "%d fds sent in one frame", TB_FDS_MAX);
	n = tb_recv_fds(sv[1], buf, sizeof(buf), fds, TB_FDS_MAX, &nfds);
	ok(n == 1 && nfds == TB_FDS_MAX, "... and all %zu received", nfds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	ok(tb_send_fds(sv[0], "x", 1, in, TB_FDS_MAX + 1) == -EINVAL,
	   "%d fds: refused by the sender", TB_FDS_MAX + 1);
	tb_send_fds(sv[0], "x", 1, in, 3);
	n = tb_recv_fds(sv[1], buf, sizeof(buf), fds, 2, &nfds);
	ok(n == -EBADMSG && nfds == 0, "3 fds where 2 are expected: refused");
	close(sv[0]);
	close(sv[1]);
}

/* A routed request's proxy uplink: carried, bounded, routed only. */
static void test_proxy(void)
{
	struct tb_request req = {.flags = TB_F_ROUTED,
				 .addrs = "10.0.0.5",
				 .proxy = "eth0"},
			  got;
	ssize_t n = tb_request_encode(&req, buf, sizeof(buf));

	is_int(tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)), 0,
	       "routed request with a proxy uplink decodes");
	is_str(got.proxy, "eth0", "... the uplink survives the round trip");
	req.flags = 0;
	snprintf(req.bridge, sizeof(req.bridge), "br0");
	n = tb_request_encode(&req, buf, sizeof(buf));
	ok(tb_request_decode(buf, (size_t)n, &got, err, sizeof(err)) ==
		   -EBADMSG,
	   "a proxy uplink without a routed tap: refused");
	like(err, "proxy uplink without a routed tap", "... saying so");
	memset(req.proxy, 'p', sizeof(req.proxy));
	ok(tb_request_encode(&req, buf, sizeof(buf)) == -EMSGSIZE,
	   "an unterminated proxy uplink is not encoded");
}

int main(void)
{
	test_round_trip();
	test_queues();
	test_header();
	test_attrs();
	test_strings();
	test_encode_bounds();
	test_fdpass();
	test_recv_nofds();
	test_admin_ops();
	test_proxy();
	return done_testing();
}
