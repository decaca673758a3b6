// SPDX-License-Identifier: GPL-2.0
/* podvsadm: ipvsadm-style administration of the podvs kernel module. */
#include "cli.h"

int main(int argc, char **argv)
{
	return podvsadm_main(argc, argv);
}
