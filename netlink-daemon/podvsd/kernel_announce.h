/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The announcement switch (node/announce.h) on a backend: the podvs
 * module through libpodvs, or the in-memory kernel of --dry-run and the
 * tests.
 */
#ifndef PODVSD_KERNEL_ANNOUNCE_H
#define PODVSD_KERNEL_ANNOUNCE_H

#include "node/announce.h"
#include "sync/backend.h"

void pd_kernel_ann_ops(struct pd_kernel *k, struct pd_ann_ops *ops);
void pd_memkernel_ann_ops(struct pd_memkernel *mk, struct pd_ann_ops *ops);

#endif /* PODVSD_KERNEL_ANNOUNCE_H */
