/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tapbroker explain` (explain.c): the plan, printed. */
#ifndef TB_EXPLAIN_H
#define TB_EXPLAIN_H

/* explain.c: `tapbroker explain`. */
int tb_explain_main(int argc, char **argv);

#endif
