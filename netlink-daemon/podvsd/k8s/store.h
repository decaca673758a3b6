/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The object store: the watched Services and EndpointSlices by
 * "namespace/name", and an index of each Service's slices (by their
 * kubernetes.io/service-name label), as the informers deliver them.
 *
 * One rule decides what an event changes (pd_store_unchanged): an object
 * seen again replaces the cached one unless both carry the same
 * resourceVersion.  Every real change names the Service whose inputs
 * moved through the ->changed hook (its own object, or one of its slices
 * coming, going or moving between Services); a NULL key means the store
 * lost track (out of memory) and every Service must be looked at again.
 *
 * The store knows nothing of plans or the kernel: the reconciler (sync/)
 * owns one and turns ->changed into its dirty set.
 */
#ifndef PODVSD_STORE_H
#define PODVSD_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/hmap.h"
#include "k8s/k8s.h"

typedef void (*pd_store_changed_fn)(void *ctx, const char *svc_key);

struct pd_store {
	struct pd_hmap services;	/* "ns/name" -> struct k8s_service */
	struct pd_hmap slices;		/* "ns/name" -> struct k8s_slice */
	struct pd_hmap svc_slices;	/* "ns/service" -> slice list */
	pd_store_changed_fn changed;
	void *ctx;
};

void pd_store_init(struct pd_store *st, pd_store_changed_fn changed,
		   void *ctx);
void pd_store_fini(struct pd_store *st);

/* The caches' rule: is @seen the object already cached as @cached (NULL:
 * none), by its resourceVersion? */
bool pd_store_unchanged(const struct k8s_meta *cached,
			const struct k8s_meta *seen);

/*
 * Upserts take ownership of the object (freed at once if unchanged).
 * 0, or -ENOMEM: the object is not cached (a slice may be cached but not
 * indexed; ->changed(NULL) then says so).
 */
int pd_store_service_upsert(struct pd_store *st, struct k8s_service *s);
void pd_store_service_delete(struct pd_store *st, const char *ns,
			     const char *name);
int pd_store_slice_upsert(struct pd_store *st, struct k8s_slice *s);
void pd_store_slice_delete(struct pd_store *st, const char *ns,
			   const char *name);
/* After a relist: delete every cached object whose key is not in @keep
 * ("ns/name" -> anything). */
void pd_store_services_prune(struct pd_store *st, const struct pd_hmap *keep);
void pd_store_slices_prune(struct pd_store *st, const struct pd_hmap *keep);

/* Service @svc's ("ns/name") cached slices (@n of them; NULL if none). */
const struct k8s_slice *const *
pd_store_service_slices(const struct pd_store *st, const char *svc,
			size_t *n);

#endif /* PODVSD_STORE_H */
