// SPDX-License-Identifier: GPL-2.0
/*
 * Every scheduler of the module, registered at load in this order.
 *
 * The list lives here, above sched.c and the algorithms: each sched_X.c
 * uses sched.c's helpers, so sched.c must not name them back.  Adding a
 * scheduler means one line in this table (and its sched_X.c in Kbuild).
 */
#include <linux/kernel.h>

#include "sched.h"

static const struct {
	int (*init)(void);
	void (*exit)(void);
} podvs_scheds[] = {
	{ podvs_sched_mh_init, podvs_sched_mh_exit },
	{ podvs_sched_sh_init, podvs_sched_sh_exit },
	{ podvs_sched_rr_init, podvs_sched_rr_exit },
	{ podvs_sched_wrr_init, podvs_sched_wrr_exit },
	{ podvs_sched_lc_init, podvs_sched_lc_exit },
};

int podvs_sched_register_all(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(podvs_scheds); i++) {
		ret = podvs_scheds[i].init();
		if (ret)
			goto unregister;
	}
	return 0;

unregister:
	while (i--)
		podvs_scheds[i].exit();
	return ret;
}

void podvs_sched_unregister_all(void)
{
	int i = ARRAY_SIZE(podvs_scheds);

	while (i--)
		podvs_scheds[i].exit();
}
