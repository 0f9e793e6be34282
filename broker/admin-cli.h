/* SPDX-License-Identifier: GPL-2.0-or-later */
/* admin-cli.c: `tapbroker status [--json]`, `tapbroker release IFNAME`. */
#ifndef TB_ADMIN_CLI_H
#define TB_ADMIN_CLI_H

int tb_admin_main(int argc, char **argv);

#endif
