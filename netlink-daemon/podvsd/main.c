// SPDX-License-Identifier: GPL-2.0
/* podvsd: Kubernetes -> podvs kernel tables.  See daemon.c. */
#include "daemon.h"

int main(int argc, char **argv)
{
	return podvsd_main(argc, argv);
}
