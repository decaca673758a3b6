/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TEMPORARY, until helper H-ann's libpodvs announcement calls are merged:
 * the declarations agreed for libpodvs.h, so podvsd builds before they
 * exist.  The functions are weak: while libpodvs lacks them, they are NULL
 * and kernel_announce.c reports -EOPNOTSUPP, as an old module would.
 * Delete this file and its one #include when libpodvs.h has them (the
 * duplicate struct then stops the build on purpose).
 */
#ifndef PODVSD_LPV_ANNOUNCE_TMP_H
#define PODVSD_LPV_ANNOUNCE_TMP_H

#include <stdbool.h>
#include <stdint.h>

struct lpv_handle;

struct lpv_announce {
	uint32_t hold;				/* seconds */
	bool ready, decommissioned, up;
	uint32_t remaining_ms, expiries, links;	/* replies */
	bool has_hold, has_ready, has_decommissioned;	/* set */
};

int lpv_announce_get(struct lpv_handle *h, struct lpv_announce *ann)
	__attribute__((weak));
int lpv_announce_set(struct lpv_handle *h, const struct lpv_announce *ann)
	__attribute__((weak));

#define PD_LPV_ANNOUNCE_WEAK	1

#endif /* PODVSD_LPV_ANNOUNCE_TMP_H */
