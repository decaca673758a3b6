/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the tables live: the podvs kernel module (kernel.c, through
 * libpodvs) or an in-memory table (memkernel.c: --dry-run, unit tests).
 */
#ifndef PODVSD_BACKEND_H
#define PODVSD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "sync/table.h"

struct pd_backend {
	/* Read every service and its dests into @t (empty on entry). */
	int (*read)(void *ctx, struct pd_table *t, char *err, size_t errlen);
	/*
	 * Apply @ops in order, in as few atomic batches as fit.  On failure
	 * returns -errno with a message naming the failing op; some earlier
	 * ops may have been committed (the caller re-reads the tables).
	 */
	int (*apply)(void *ctx, const struct pd_ops *ops, char *err,
		     size_t errlen);
	/* Re-read the dests of the VS @vs->key into @vs (replacing them);
	 * -ENOENT if the service is gone. */
	int (*read_vs)(void *ctx, struct pd_vs *vs, char *err, size_t errlen);
	void *ctx;
};

/* In-memory tables applying ops as the kernel would. */
struct pd_memkernel {
	struct pd_table t;
	struct pd_log *log;	/* each op at info (dry run), or NULL */
	int fail_at;		/* tests: fail the op with this index (-1) */
	size_t applied;		/* ops applied so far */
	size_t batches;		/* apply calls */
	/* the announcement switch (kernel_announce.c), as the module's */
	struct {
		uint32_t hold;
		bool ready, decommissioned;
		/* the watchdog runs: set by a HOLD; tests clear it for a
		 * watchdog that fired (the carrier then is off) */
		bool running;
		uint32_t expiries;
		size_t sets;	/* SET_ANNOUNCE requests */
	} ann;
	int ann_fail;		/* tests: -errno for every announce call */
};

void pd_memkernel_init(struct pd_memkernel *mk, struct pd_log *log);
void pd_memkernel_fini(struct pd_memkernel *mk);
void pd_memkernel_backend(struct pd_memkernel *mk, struct pd_backend *b);

struct lpv_handle;

/*
 * The podvs module, via libpodvs.  After a failed request the handle is
 * reopened before the next full read or announcement call: a module
 * reloaded meanwhile has a new generic netlink family id.
 */
struct pd_kernel {
	struct lpv_handle *h;
	size_t max_msg;		/* bound on batch message size, 0: socket's */
	bool stale;		/* a request failed: reopen before reading */
	unsigned long reopens;
};

/* Opens the genl socket; on failure @err is libpodvs's message. */
int pd_kernel_open(struct pd_kernel *k, char *err, size_t errlen);
void pd_kernel_close(struct pd_kernel *k);
/* The handle, reopened first if stale; NULL with @err if it cannot be. */
struct lpv_handle *pd_kernel_handle(struct pd_kernel *k, char *err,
				    size_t errlen);
/* A request on the handle failed with @ret (-errno). */
void pd_kernel_failed(struct pd_kernel *k, int ret);
void pd_kernel_backend(struct pd_kernel *k, struct pd_backend *b);

#endif /* PODVSD_BACKEND_H */
