/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How privilege is narrowed (privilege.c): capabilities, then seccomp. */
#ifndef TB_PRIVILEGE_H
#define TB_PRIVILEGE_H

enum tb_seccomp_mode {
	TB_SECCOMP_KILL, /* default: a syscall off the list kills us */
	TB_SECCOMP_TRAP, /* print the syscall's number, then die */
	TB_SECCOMP_LOG, /* allow, but have the kernel log it */
	TB_SECCOMP_OFF, /* for sanitizer and valgrind runs only */
};

/* privilege.c: how privilege is narrowed, in one place. */
void tb_priv_drop(void);
void tb_priv_seccomp(enum tb_seccomp_mode mode);

#endif
