// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler registry and the parts every scheduler shares: the sorted
 * snapshot of available dests, prepare/commit/abort of states, the
 * fixed-key flow hash and the fallback scan.
 */
#include <linux/mm.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "dest.h"
#include "podvs_kunit.h"
#include "sched.h"
#include "service.h"

static LIST_HEAD(podvs_sched_list);
/* protects podvs_sched_list */
static DEFINE_MUTEX(podvs_sched_mutex);

int podvs_sched_register(struct podvs_sched_ops *ops)
{
	mutex_lock(&podvs_sched_mutex);
	list_add_tail(&ops->list, &podvs_sched_list);
	mutex_unlock(&podvs_sched_mutex);
	return 0;
}

void podvs_sched_unregister(struct podvs_sched_ops *ops)
{
	mutex_lock(&podvs_sched_mutex);
	list_del(&ops->list);
	mutex_unlock(&podvs_sched_mutex);
}

const struct podvs_sched_ops *podvs_sched_find(const char *name)
{
	const struct podvs_sched_ops *ops, *found = NULL;

	mutex_lock(&podvs_sched_mutex);
	list_for_each_entry(ops, &podvs_sched_list, list) {
		if (!strcmp(ops->name, name)) {
			found = ops;
			break;
		}
	}
	mutex_unlock(&podvs_sched_mutex);
	return found;
}

void podvs_sched_names(char *buf, size_t len)
{
	const struct podvs_sched_ops *ops;
	size_t pos = 0;

	buf[0] = '\0';
	mutex_lock(&podvs_sched_mutex);
	list_for_each_entry(ops, &podvs_sched_list, list)
		pos += scnprintf(buf + pos, len - pos, "%s%s",
				 pos ? " " : "", ops->name);
	mutex_unlock(&podvs_sched_mutex);
}

#ifdef PODVS_KUNIT
struct podvs_sched_test_hooks podvs_sched_test_hooks;

/* Count a build; true if it is the one KUnit asked to fail. */
static bool podvs_sched_test_fault(void)
{
	struct podvs_sched_test_hooks *h = &podvs_sched_test_hooks;

	atomic_inc(&h->builds);
	return atomic_read(&h->fail_in) && atomic_dec_and_test(&h->fail_in);
}

static void podvs_sched_test_count(int states)
{
	atomic_add(states, &podvs_sched_test_hooks.live);
}
#else
static bool podvs_sched_test_fault(void)
{
	return false;
}

static void podvs_sched_test_count(int states)
{
}
#endif

/* The state of a service without available dests. */
static const struct podvs_sched_ops podvs_sched_empty = {
	.name = "(none)",
};

/* Order dests by (addr, port) so that every gateway builds the same
 * table from the same set whatever order the dests were added in.
 */
static int podvs_dest_cmp(const void *a, const void *b)
{
	const struct podvs_dest *x = *(const struct podvs_dest **)a;
	const struct podvs_dest *y = *(const struct podvs_dest **)b;
	int r = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (r)
		return r;
	return (int)ntohs(x->port) - (int)ntohs(y->port);
}

static bool podvs_sched_usable(const struct podvs_dest *d)
{
	return !d->zombie && podvs_dest_available(d);
}

static struct podvs_dest **podvs_sched_snapshot(struct podvs_service *svc,
						u32 *n)
{
	struct podvs_dest **dests, *d;
	u32 cnt = 0;

	list_for_each_entry(d, &svc->dests, node)
		cnt += podvs_sched_usable(d);
	dests = kvmalloc_array(max(cnt, 1U), sizeof(*dests),
			       GFP_KERNEL_ACCOUNT);
	if (!dests)
		return NULL;
	cnt = 0;
	list_for_each_entry(d, &svc->dests, node)
		if (podvs_sched_usable(d))
			dests[cnt++] = podvs_dest_get(d);
	sort(dests, cnt, sizeof(*dests), podvs_dest_cmp, NULL);
	*n = cnt;
	return dests;
}

static void podvs_sched_state_free(struct podvs_sched_state *st)
{
	u32 i;

	podvs_sched_test_count(-1);
	for (i = 0; i < st->n; i++)
		podvs_dest_put(st->dests[i]);
	kvfree(st->dests);
	if (st->ops->free)
		st->ops->free(st);
	else
		kvfree(st);
}

static void podvs_sched_state_free_rcu(struct rcu_head *rcu)
{
	podvs_sched_state_free(container_of(rcu, struct podvs_sched_state,
					    rcu));
}

static struct podvs_sched_state *
podvs_sched_build(struct podvs_service *svc, struct podvs_dest **dests, u32 n)
{
	const struct podvs_sched_ops *ops = svc->sched;
	struct podvs_sched_state *st;

	if (podvs_sched_test_fault())
		return NULL;
	if (!n) {
		ops = &podvs_sched_empty;
		st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	} else {
		st = ops->build(svc, dests, n);
	}
	if (!st)
		return NULL;
	podvs_sched_test_count(1);
	st->ops = ops;
	st->n = n;
	st->dests = dests;
	return st;
}

int podvs_sched_alloc(struct podvs_service *svc, void **newstate)
{
	struct podvs_sched_state *st;
	struct podvs_dest **dests;
	u32 i, n;

	lockdep_assert_held(&svc->pn->lock);
	dests = podvs_sched_snapshot(svc, &n);
	if (!dests)
		return -ENOMEM;
	st = podvs_sched_build(svc, dests, n);
	if (!st) {
		for (i = 0; i < n; i++)
			podvs_dest_put(dests[i]);
		kvfree(dests);
		return -ENOMEM;
	}
	*newstate = st;
	return 0;
}

int podvs_sched_prepare(struct podvs_service *svc, void **newstate)
{
	int ret = podvs_sched_alloc(svc, newstate);

	if (!ret)
		podvs_sched_fill(newstate, 1);
	return ret;
}

static struct podvs_sched_state *podvs_sched_swap(struct podvs_service *svc,
						  struct podvs_sched_state *st)
{
	struct podvs_sched_state *old;

	old = rcu_dereference_protected(svc->sched_data,
					lockdep_is_held(&svc->pn->lock));
	rcu_assign_pointer(svc->sched_data, st);
	return old;
}

void podvs_sched_commit(struct podvs_service *svc, void *newstate)
{
	struct podvs_sched_state *old = podvs_sched_swap(svc, newstate);

	if (old)
		call_rcu(&old->rcu, podvs_sched_state_free_rcu);
}

void podvs_sched_abort(struct podvs_service *svc, void *newstate)
{
	podvs_sched_state_free(newstate);
}

void podvs_sched_done(struct podvs_service *svc)
{
	struct podvs_sched_state *old = podvs_sched_swap(svc, NULL);

	if (old)
		call_rcu(&old->rcu, podvs_sched_state_free_rcu);
}

struct podvs_dest *podvs_sched_schedule(struct podvs_service *svc,
					const struct podvs_flow_key *key)
{
	struct podvs_sched_state *st = rcu_dereference(svc->sched_data);

	if (!st || !st->n)
		return NULL;
	return st->ops->pick(st, svc, key);
}

/* Fixed key: every gateway, every boot, hashes a client the same way. */
static const siphash_key_t podvs_flow_hash_key = {{
	0x706f6476735f666cULL, 0x6f775f686173685fULL
}};

u64 podvs_u64(const struct in6_addr *a, int i)
{
	return (u64)ntohl(a->s6_addr32[i]) << 32 | ntohl(a->s6_addr32[i + 1]);
}

u32 podvs_sched_hash(const struct podvs_flow_key *key, bool port)
{
	u32 p = port ? ntohs(key->sport) : 0;
	u64 h;

	if (key->af == AF_INET)
		h = siphash_2u32((__force u32)key->saddr.ip, p,
				 &podvs_flow_hash_key);
	else
		h = siphash_3u64(podvs_u64(&key->saddr.in6, 0),
				 podvs_u64(&key->saddr.in6, 2), p,
				 &podvs_flow_hash_key);
	return (u32)(h ^ (h >> 32));
}

struct podvs_dest *podvs_sched_scan(struct podvs_sched_state *st, u32 from)
{
	u32 i;

	from %= st->n;
	for (i = 0; i < st->n; i++) {
		struct podvs_dest *d = st->dests[(from + i) % st->n];

		if (podvs_dest_available(d))
			return d;
	}
	return NULL;
}
