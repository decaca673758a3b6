// SPDX-License-Identifier: GPL-2.0
/*
 * podvs connection table; conn.h describes the design.
 *
 * Locking:
 *  - tab->locks[] (striped over the buckets) protect the chains against
 *    writers; readers walk the chains under RCU.  An entry joins or leaves
 *    its two buckets (client and reply tuple) with both locks held, taken
 *    in index order.  Entries never move between chains and are freed by
 *    RCU only, so readers need no nulls-marker restart.
 *  - conn->lock protects the entry's state and flags and every arming of
 *    its timer.  A dest's active/inactive/persist counters change only
 *    together with a state, under that lock, so they stay in step.
 *  - Lock order: conn->lock, then bucket locks.
 *
 * Lifetime: the table's reference on an entry belongs to its timer.  Once
 * the entry is marked PODVS_CONN_F_UNLINKED nobody re-arms the timer, and
 * the reference is dropped by whoever stops the pending timer (del_timer()
 * returns 1) or by the running timer callback.  Each flow controlled by a
 * persistence template holds one more reference on the template.
 */
#include <linux/delay.h>
#include <linux/ipv6.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include "conn.h"
#include "dest.h"
#include "sched.h"
#include "service.h"

#define PODVS_CONN_LOCKS	256
#define PODVS_CONN_BUCKETS_MIN	256U
#define PODVS_CONN_BUCKETS_MAX	65536U
/* dump position: bucket << PODVS_POS_SHIFT | index in the bucket */
#define PODVS_POS_SHIFT		16

struct podvs_conn_table {
	struct podvs_net *pn;
	siphash_key_t key;
	u32 mask;			/* buckets - 1 */
	atomic_t live;			/* entries not yet freed */
	unsigned long flush_walks;	/* under pn->lock */
	/* protect the chains of buckets i, i + LOCKS, i + 2 * LOCKS, ... */
	spinlock_t locks[PODVS_CONN_LOCKS];
	struct hlist_nulls_head buckets[];
};

/* Used when a configured timeout is 0 (never by a valid config). */
static const unsigned int podvs_default_timeout[__PODVS_CONN_S_MAX] = {
	[PODVS_CONN_S_NONE]		= 10,
	[PODVS_CONN_S_SYN_SENT]		= 60,
	[PODVS_CONN_S_SYN_RECV]		= 60,
	[PODVS_CONN_S_ESTABLISHED]	= 900,
	[PODVS_CONN_S_FIN_WAIT]		= 120,
	[PODVS_CONN_S_TIME_WAIT]	= 120,
	[PODVS_CONN_S_CLOSE]		= 10,
	[PODVS_CONN_S_UDP]		= 300,
	[PODVS_CONN_S_PERSIST]		= PODVS_DEFAULT_PERSIST_TIMEOUT,
};

unsigned long podvs_conn_timeout(struct podvs_net *pn, u8 state)
{
	unsigned long t;

	if (state >= __PODVS_CONN_S_MAX)
		state = PODVS_CONN_S_NONE;
	t = READ_ONCE(pn->cfg.timeout[state]);
	return t ?: podvs_default_timeout[state] * HZ;
}

static struct podvs_conn *podvs_node_conn(struct podvs_conn_node *n)
{
	return container_of(n, struct podvs_conn, hn[n->dir]);
}

static void podvs_conn_tuple(const struct podvs_conn *c, enum podvs_dir dir,
			     struct podvs_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->af = c->af;
	t->protocol = c->protocol;
	if (dir == PODVS_DIR_ORIG) {
		t->src = c->caddr;
		t->sport = c->cport;
		t->dst = c->vaddr;
		t->dport = c->vport;
		t->tmpl = c->state == PODVS_CONN_S_PERSIST;
	} else {
		t->src = c->daddr;
		t->sport = c->dport;
		t->dst = c->caddr;
		t->dport = c->cport;
	}
}

static bool podvs_conn_match(const struct podvs_conn *c, u8 dir,
			     const struct podvs_tuple *t)
{
	if (c->protocol != t->protocol || c->af != t->af ||
	    (READ_ONCE(c->flags) & PODVS_CONN_F_UNLINKED))
		return false;
	if (dir == PODVS_DIR_ORIG)
		return c->cport == t->sport && c->vport == t->dport &&
		       t->tmpl == (c->state == PODVS_CONN_S_PERSIST) &&
		       nf_inet_addr_cmp(&c->caddr, &t->src) &&
		       nf_inet_addr_cmp(&c->vaddr, &t->dst);
	return !t->tmpl && c->dport == t->sport && c->cport == t->dport &&
	       nf_inet_addr_cmp(&c->daddr, &t->src) &&
	       nf_inet_addr_cmp(&c->caddr, &t->dst);
}

static u32 podvs_tuple_hash(const struct podvs_conn_table *tab,
			    const struct podvs_tuple *t)
{
	return (u32)siphash(t, sizeof(*t), &tab->key) & tab->mask;
}

static spinlock_t *podvs_bucket_lock(struct podvs_conn_table *tab, u32 h)
{
	return &tab->locks[h & (PODVS_CONN_LOCKS - 1)];
}

struct podvs_conn *podvs_conn_lookup(struct podvs_net *pn,
				     const struct podvs_tuple *t,
				     enum podvs_dir *dir)
{
	struct podvs_conn_table *tab = pn->conn;
	struct hlist_nulls_node *pos;
	struct podvs_conn_node *n;
	u32 h;

	if (!atomic_read(&tab->live))	/* no flows: not even a hash */
		return NULL;
	h = podvs_tuple_hash(tab, t);
	hlist_nulls_for_each_entry_rcu(n, pos, &tab->buckets[h], node) {
		struct podvs_conn *c = podvs_node_conn(n);

		if (podvs_conn_match(c, n->dir, t)) {
			*dir = n->dir;
			return c;
		}
	}
	return NULL;
}

/* Both bucket locks of an entry, in index order (one if they share it;
 * sparse is then told it was taken twice).
 */
static void podvs_lock2(struct podvs_conn_table *tab, u32 h0, u32 h1)
	__acquires(bucket_lock) __acquires(bucket_lock)
{
	spinlock_t *a = podvs_bucket_lock(tab, h0);
	spinlock_t *b = podvs_bucket_lock(tab, h1);

	if (a > b)
		swap(a, b);
	spin_lock_bh(a);
	if (a != b)
		spin_lock_nested(b, SINGLE_DEPTH_NESTING);
	else
		__acquire(b);
}

static void podvs_unlock2(struct podvs_conn_table *tab, u32 h0, u32 h1)
	__releases(bucket_lock) __releases(bucket_lock)
{
	spinlock_t *a = podvs_bucket_lock(tab, h0);
	spinlock_t *b = podvs_bucket_lock(tab, h1);

	if (a != b)
		spin_unlock(b);
	else
		__release(b);
	spin_unlock_bh(a);
}

static bool podvs_chain_has(struct podvs_conn_table *tab, u32 h,
			    const struct podvs_tuple *t)
{
	struct hlist_nulls_node *pos;
	struct podvs_conn_node *n;

	lockdep_assert_held(podvs_bucket_lock(tab, h));
	hlist_nulls_for_each_entry(n, pos, &tab->buckets[h], node)
		if (podvs_conn_match(podvs_node_conn(n), n->dir, t))
			return true;
	return false;
}

static int podvs_conn_hash(struct podvs_conn_table *tab, struct podvs_conn *c)
{
	bool tmpl = c->state == PODVS_CONN_S_PERSIST;
	struct podvs_tuple t[2];
	u32 h[2];
	int ret = 0;

	podvs_conn_tuple(c, PODVS_DIR_ORIG, &t[0]);
	podvs_conn_tuple(c, PODVS_DIR_REPLY, &t[1]);
	h[0] = podvs_tuple_hash(tab, &t[0]);
	h[1] = tmpl ? h[0] : podvs_tuple_hash(tab, &t[1]);

	podvs_lock2(tab, h[0], h[1]);
	if (podvs_chain_has(tab, h[0], &t[0]))
		ret = -EEXIST;
	else if (!tmpl && podvs_chain_has(tab, h[1], &t[1]))
		ret = -EADDRINUSE;
	if (!ret) {
		hlist_nulls_add_head_rcu(&c->hn[0].node, &tab->buckets[h[0]]);
		if (!tmpl)
			hlist_nulls_add_head_rcu(&c->hn[1].node,
						 &tab->buckets[h[1]]);
	}
	podvs_unlock2(tab, h[0], h[1]);
	return ret;
}

static void podvs_conn_unhash(struct podvs_conn_table *tab,
			      struct podvs_conn *c)
{
	bool tmpl = c->state == PODVS_CONN_S_PERSIST;
	struct podvs_tuple t;
	u32 h0, h1;

	podvs_conn_tuple(c, PODVS_DIR_ORIG, &t);
	h0 = podvs_tuple_hash(tab, &t);
	podvs_conn_tuple(c, PODVS_DIR_REPLY, &t);
	h1 = tmpl ? h0 : podvs_tuple_hash(tab, &t);

	podvs_lock2(tab, h0, h1);
	hlist_nulls_del_rcu(&c->hn[0].node);
	if (!tmpl)
		hlist_nulls_del_rcu(&c->hn[1].node);
	podvs_unlock2(tab, h0, h1);
}

/* The dest counter an entry in state counts in. */
static atomic_t *podvs_dest_counter(struct podvs_dest *d, u8 state)
{
	if (state == PODVS_CONN_S_PERSIST)
		return &d->persist_conns;
	if (state == PODVS_CONN_S_ESTABLISHED)
		return &d->active_conns;
	return &d->inactive_conns;
}

static void podvs_conn_set_state(struct podvs_conn *c, u8 state)
{
	lockdep_assert_held(&c->lock);
	if (state == c->state)
		return;
	atomic_dec(podvs_dest_counter(c->dest, c->state));
	atomic_inc(podvs_dest_counter(c->dest, state));
	WRITE_ONCE(c->state, state);
}

/* New expiry time; pull the timer in if it would fire too late (it is
 * re-armed lazily when it fires too early).
 */
static void podvs_conn_set_expiry(struct podvs_conn *c, unsigned long exp)
{
	lockdep_assert_held(&c->lock);
	WRITE_ONCE(c->expires, exp);
	if (!(c->flags & PODVS_CONN_F_UNLINKED) &&
	    time_before(exp, c->timer.expires))
		mod_timer(&c->timer, exp);
}

static void podvs_conn_free_rcu(struct rcu_head *head)
{
	struct podvs_conn *c = container_of(head, struct podvs_conn, rcu);
	struct podvs_conn_table *tab = c->tab;

	kfree(c);
	atomic_dec(&tab->live);
}

static void podvs_conn_put(struct podvs_conn *c)
{
	if (!refcount_dec_and_test(&c->refcnt))
		return;
	if (c->ctl)
		podvs_conn_put(c->ctl);
	podvs_dest_put(c->dest);
	call_rcu(&c->rcu, podvs_conn_free_rcu);
}

/* Mark unlinked, leave the counters and the table.  True if we did it. */
static bool podvs_conn_unlink(struct podvs_conn *c)
{
	spin_lock_bh(&c->lock);
	if (c->flags & PODVS_CONN_F_UNLINKED) {
		spin_unlock_bh(&c->lock);
		return false;
	}
	WRITE_ONCE(c->flags, c->flags | PODVS_CONN_F_UNLINKED);
	atomic_dec(podvs_dest_counter(c->dest, c->state));
	spin_unlock_bh(&c->lock);
	podvs_conn_unhash(c->tab, c);
	return true;
}

void podvs_conn_kill(struct podvs_conn *c)
{
	if (podvs_conn_unlink(c) && del_timer(&c->timer))
		podvs_conn_put(c);
}

/* Is the entry due?  If not, *next is when to look again. */
static bool podvs_conn_due(struct podvs_conn *c, unsigned long *next)
{
	unsigned long exp = READ_ONCE(c->expires);

	if (time_before(jiffies, exp)) {
		*next = exp;
		return false;
	}
	/* a template lives on while flows it controls do */
	if (c->state == PODVS_CONN_S_PERSIST &&
	    refcount_read(&c->refcnt) > 1) {
		*next = jiffies + c->tmpl_timeout;
		WRITE_ONCE(c->expires, *next);
		return false;
	}
	return true;
}

static void podvs_conn_timer(struct timer_list *timer)
{
	struct podvs_conn *c = from_timer(c, timer, timer);
	unsigned long next;

	spin_lock(&c->lock);
	if (!(c->flags & PODVS_CONN_F_UNLINKED) && !podvs_conn_due(c, &next)) {
		mod_timer(&c->timer, next);
		spin_unlock(&c->lock);
		return;
	}
	spin_unlock(&c->lock);
	podvs_conn_unlink(c);
	del_timer(&c->timer);
	podvs_conn_put(c);
}

/* Run the timer callback now, in the softirq-like context it expects. */
void podvs_conn_expire_now(struct podvs_conn *c)
{
	if (del_timer(&c->timer)) {
		local_bh_disable();
		podvs_conn_timer(&c->timer);
		local_bh_enable();
	}
}

bool podvs_conn_gone(const struct podvs_conn *c)
{
	return (READ_ONCE(c->flags) & PODVS_CONN_F_GONE) ||
	       READ_ONCE(c->dest->dead);
}

static void podvs_conn_init_fields(struct podvs_conn *c,
				   const struct podvs_tuple *t,
				   struct podvs_dest *d, u8 state)
{
	c->af = t->af;
	c->protocol = t->protocol;
	c->caddr = t->src;
	c->cport = t->sport;
	c->vaddr = t->dst;
	c->vport = t->dport;
	c->daddr = d->addr;
	c->dport = d->port;
	c->state = state;
	c->dest = d;
	c->hn[PODVS_DIR_ORIG].dir = PODVS_DIR_ORIG;
	c->hn[PODVS_DIR_REPLY].dir = PODVS_DIR_REPLY;
	spin_lock_init(&c->lock);
	refcount_set(&c->refcnt, 1);
	timer_setup(&c->timer, podvs_conn_timer, 0);
}

/* Count, hash, then arm the timer.  Someone may kill the entry as soon as
 * it is hashed; the timer is armed even then, and its callback, seeing
 * the entry unlinked, drops the table's reference.
 */
static int podvs_conn_insert(struct podvs_conn *c)
{
	int err;

	atomic_inc(podvs_dest_counter(c->dest, c->state));
	err = podvs_conn_hash(c->tab, c);
	if (err) {
		atomic_dec(podvs_dest_counter(c->dest, c->state));
		return err;
	}
	spin_lock_bh(&c->lock);
	mod_timer(&c->timer, (c->flags & PODVS_CONN_F_UNLINKED) ?
		  jiffies : READ_ONCE(c->expires));
	spin_unlock_bh(&c->lock);
	return 0;
}

/* Allocate and insert an entry for t on d that expires after timeout.
 * Takes over the references on d and ctl, even on failure.
 */
static struct podvs_conn *podvs_conn_new(struct podvs_net *pn,
					 const struct podvs_tuple *t,
					 struct podvs_dest *d, u8 state,
					 u8 flags, struct podvs_conn *ctl,
					 unsigned long timeout, int *err)
{
	struct podvs_conn_table *tab = pn->conn;
	struct podvs_conn *c = NULL;

	if (atomic_inc_return(&tab->live) > READ_ONCE(pn->cfg.conn_max)) {
		*err = -ENOSPC;
		goto undo;
	}
	c = kzalloc(sizeof(*c), GFP_ATOMIC);
	if (!c) {
		*err = -ENOMEM;
		goto undo;
	}
	podvs_conn_init_fields(c, t, d, state);
	c->flags = flags;
	c->ctl = ctl;
	c->tab = tab;
	c->tmpl_timeout = timeout;
	c->expires = jiffies + timeout;
	*err = podvs_conn_insert(c);
	if (!*err)
		return c;
undo:
	kfree(c);		/* never visible to anyone */
	atomic_dec(&tab->live);
	if (ctl)
		podvs_conn_put(ctl);
	podvs_dest_put(d);
	return NULL;
}

struct podvs_conn *podvs_conn_create(struct podvs_net *pn,
				     const struct podvs_tuple *t,
				     struct podvs_dest *d, u8 state, int *err)
{
	return podvs_conn_new(pn, t, podvs_dest_get(d), state, 0, NULL,
			      podvs_conn_timeout(pn, state), err);
}

/* A dest for a new flow from the scheduler, with a reference, or NULL. */
static struct podvs_dest *podvs_conn_pick(struct podvs_service *svc,
					  const struct podvs_tuple *t)
{
	struct podvs_flow_key key = {
		.saddr = t->src,
		.sport = t->sport,
		.af = t->af,
	};
	struct podvs_dest *d = podvs_sched_schedule(svc, &key);

	if (!d || READ_ONCE(d->dead) || !refcount_inc_not_zero(&d->refcnt))
		return NULL;
	return d;
}

static void podvs_addr_mask(u16 af, const union nf_inet_addr *a, u8 plen,
			    union nf_inet_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (af == AF_INET)
		out->ip = a->ip & (plen ? htonl(~0U << (32 - min_t(u8, plen, 32))) : 0);
	else
		ipv6_addr_prefix(&out->in6, &a->in6, min_t(u8, plen, 128));
}

/* The live template of tt with a reference for a new flow, or NULL.  A
 * template whose dest takes no new flows (drained, deleted) is ended.
 */
static struct podvs_conn *podvs_tmpl_get(struct podvs_net *pn,
					 const struct podvs_tuple *tt)
{
	struct podvs_conn *tm;
	enum podvs_dir dir;

	tm = podvs_conn_lookup(pn, tt, &dir);
	if (!tm)
		return NULL;
	if (podvs_dest_available(tm->dest) &&
	    refcount_inc_not_zero(&tm->refcnt)) {
		WRITE_ONCE(tm->expires, jiffies + tm->tmpl_timeout);
		return tm;
	}
	podvs_conn_kill(tm);
	return NULL;
}

static int podvs_tmpl_find(struct podvs_net *pn, struct podvs_service *svc,
			   const struct podvs_tuple *t, struct podvs_conn **out)
{
	unsigned long timeout = READ_ONCE(svc->timeout);
	struct podvs_tuple tt = *t;
	struct podvs_dest *d;
	int err;

	tt.sport = 0;
	tt.tmpl = 1;
	podvs_addr_mask(t->af, &t->src, READ_ONCE(svc->netmask), &tt.src);
	*out = podvs_tmpl_get(pn, &tt);
	if (*out)
		return 0;
	d = podvs_conn_pick(svc, t);
	if (!d)
		return -ENOENT;
	*out = podvs_conn_new(pn, &tt, d, PODVS_CONN_S_PERSIST, 0, NULL,
			      timeout ?: PODVS_DEFAULT_PERSIST_TIMEOUT * HZ, &err);
	if (err == -EEXIST)		/* another CPU made it first */
		*out = podvs_tmpl_get(pn, &tt);
	else if (*out && !refcount_inc_not_zero(&(*out)->refcnt))
		*out = NULL;
	return *out ? 0 : err ?: -ENOENT;
}

static void podvs_conn_count_new(struct podvs_conn *c)
{
	struct podvs_service *svc = rcu_dereference(c->dest->svc);

	podvs_stats_conn(&c->dest->stats);
	if (svc)
		podvs_stats_conn(&svc->stats);
}

int podvs_conn_schedule(struct podvs_net *pn, struct podvs_service *svc,
			const struct podvs_tuple *t, u8 state, u8 flags,
			struct podvs_conn **out)
{
	struct podvs_conn *tm = NULL;
	struct podvs_dest *d;
	enum podvs_dir dir;
	int err;

	if (READ_ONCE(svc->flags) & PODVS_SVC_F_PERSISTENT) {
		err = podvs_tmpl_find(pn, svc, t, &tm);
		if (err)
			return err;
		d = podvs_dest_get(tm->dest);	/* tm holds one: > 0 */
	} else {
		d = podvs_conn_pick(svc, t);
		if (!d)
			return -ENOENT;
	}
	*out = podvs_conn_new(pn, t, d, state, flags, tm,
			      podvs_conn_timeout(pn, state), &err);
	if (*out) {
		podvs_conn_count_new(*out);
		return 0;
	}
	if (err != -EEXIST)
		return err;
	/* another CPU inserted the same flow: use it */
	*out = podvs_conn_lookup(pn, t, &dir);
	return *out && dir == PODVS_DIR_ORIG ? 0 : -EEXIST;
}

/* The client side of a flow learned from reply tuple r: the client is
 * r's destination, the service's VIP and port its destination.
 */
static void podvs_learn_tuple(const struct podvs_tuple *r,
			      const struct podvs_service *svc,
			      struct podvs_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->af = r->af;
	t->protocol = r->protocol;
	t->src = r->dst;
	t->sport = r->dport;
	t->dst = svc->key.addr;
	t->dport = svc->key.port;
}

/* No persistence template: a reply says nothing of where the client's
 * next connection should go (the scheduler decides it, and mh sends it to
 * the same Pod anyway), and it is not counted as a new connection of the
 * dest or service (the gateway that scheduled it counted it).
 */
int podvs_conn_learn(struct podvs_net *pn, const struct podvs_tuple *r,
		     struct podvs_dest *d, u8 state, u8 flags,
		     struct podvs_conn **out)
{
	struct podvs_service *svc = rcu_dereference(d->svc);
	struct podvs_tuple t;
	enum podvs_dir dir;
	int err;

	if (!svc || READ_ONCE(d->dead) || !refcount_inc_not_zero(&d->refcnt))
		return -ENOENT;
	podvs_learn_tuple(r, svc, &t);
	*out = podvs_conn_new(pn, &t, d, state, flags | PODVS_CONN_F_LEARNED,
			      NULL, podvs_conn_timeout(pn, state), &err);
	if (*out)
		podvs_count_ns(pn, PODVS_CNT_LEARNED);
	if (*out || (err != -EEXIST && err != -EADDRINUSE))
		return err;
	/* another CPU learned it first: use its entry */
	*out = podvs_conn_lookup(pn, r, &dir);
	return *out && dir == PODVS_DIR_REPLY ? 0 : err;
}

u8 podvs_tcp_learn(u8 tcpflags, u8 *flags)
{
	*flags = 0;
	if (tcpflags & PODVS_TCP_RST)
		return PODVS_CONN_S_NONE;
	if (tcpflags & PODVS_TCP_SYN)
		return tcpflags & PODVS_TCP_ACK ? PODVS_CONN_S_SYN_RECV :
						  PODVS_CONN_S_NONE;
	if (tcpflags & PODVS_TCP_FIN) {
		*flags = PODVS_CONN_F_FIN_REPLY;
		return PODVS_CONN_S_FIN_WAIT;
	}
	return PODVS_CONN_S_ESTABLISHED;
}

u32 podvs_conn_uflags(const struct podvs_conn *c)
{
	return READ_ONCE(c->flags) & PODVS_CONN_F_LEARNED ?
	       PODVS_CONN_FL_LEARNED : 0;
}

static u8 podvs_tcp_syn(u8 s, enum podvs_dir dir, bool ack)
{
	if (dir == PODVS_DIR_ORIG && !ack &&
	    (s == PODVS_CONN_S_NONE || s == PODVS_CONN_S_CLOSE ||
	     s == PODVS_CONN_S_TIME_WAIT))
		return PODVS_CONN_S_SYN_SENT;
	if (dir == PODVS_DIR_REPLY && ack && s == PODVS_CONN_S_SYN_SENT)
		return PODVS_CONN_S_SYN_RECV;
	return s;
}

static u8 podvs_tcp_fin(u8 s, enum podvs_dir dir, u8 *flags)
{
	const u8 both = PODVS_CONN_F_FIN_ORIG | PODVS_CONN_F_FIN_REPLY;

	*flags |= dir == PODVS_DIR_ORIG ? PODVS_CONN_F_FIN_ORIG :
					  PODVS_CONN_F_FIN_REPLY;
	if (s == PODVS_CONN_S_CLOSE || s == PODVS_CONN_S_TIME_WAIT)
		return s;
	if ((*flags & both) == both)
		return PODVS_CONN_S_TIME_WAIT;
	return PODVS_CONN_S_FIN_WAIT;
}

u8 podvs_tcp_next(u8 s, enum podvs_dir dir, u8 tcpflags, u8 *flags)
{
	if (tcpflags & PODVS_TCP_RST)
		return PODVS_CONN_S_CLOSE;
	if (tcpflags & PODVS_TCP_SYN)
		return podvs_tcp_syn(s, dir, tcpflags & PODVS_TCP_ACK);
	if (tcpflags & PODVS_TCP_FIN)
		return podvs_tcp_fin(s, dir, flags);
	if (!(tcpflags & PODVS_TCP_ACK))
		return s;
	if (dir == PODVS_DIR_ORIG &&
	    (s == PODVS_CONN_S_NONE || s == PODVS_CONN_S_SYN_RECV))
		return PODVS_CONN_S_ESTABLISHED;
	/* the Pod sends past its SYN-ACK only once the handshake is done:
	 * a gateway that sees only the Pod's side (the client's packets
	 * take another gateway) learns ESTABLISHED from it
	 */
	if (dir == PODVS_DIR_REPLY && s == PODVS_CONN_S_SYN_RECV)
		return PODVS_CONN_S_ESTABLISHED;
	return s;
}

bool podvs_tcp_reusable(const struct podvs_conn *c, u8 tcpflags)
{
	u8 s = READ_ONCE(c->state);

	if ((tcpflags & (PODVS_TCP_SYN | PODVS_TCP_ACK | PODVS_TCP_RST)) !=
	    PODVS_TCP_SYN)
		return false;
	return s == PODVS_CONN_S_FIN_WAIT || s == PODVS_CONN_S_TIME_WAIT ||
	       s == PODVS_CONN_S_CLOSE;
}

static void podvs_conn_transition(struct podvs_conn *c, enum podvs_dir dir,
				  u8 tcpflags)
{
	u8 next, flags;

	spin_lock_bh(&c->lock);
	flags = c->flags;
	if (!(flags & (PODVS_CONN_F_UNLINKED | PODVS_CONN_F_GONE))) {
		next = podvs_tcp_next(c->state, dir, tcpflags, &flags);
		WRITE_ONCE(c->flags, flags);
		podvs_conn_set_state(c, next);
		podvs_conn_set_expiry(c, jiffies +
				      podvs_conn_timeout(c->tab->pn, next));
	}
	spin_unlock_bh(&c->lock);
}

void podvs_conn_update(struct podvs_conn *c, enum podvs_dir dir, u8 tcpflags)
{
	u8 state = READ_ONCE(c->state);
	u8 flags = READ_ONCE(c->flags);
	unsigned long exp;

	if (c->protocol == IPPROTO_TCP &&
	    (podvs_tcp_next(state, dir, tcpflags, &flags) != state ||
	     flags != READ_ONCE(c->flags))) {
		podvs_conn_transition(c, dir, tcpflags);
		return;
	}
	/* same state: only the expiry moves; the timer catches up lazily,
	 * unless the timeout was shortened since it was armed
	 */
	exp = jiffies + podvs_conn_timeout(c->tab->pn, state);
	if (READ_ONCE(c->expires) != exp)
		WRITE_ONCE(c->expires, exp);
	if (unlikely(time_before(exp, READ_ONCE(c->timer.expires)))) {
		spin_lock_bh(&c->lock);
		podvs_conn_set_expiry(c, exp);
		spin_unlock_bh(&c->lock);
	}
}

void podvs_conn_end(struct podvs_conn *c)
{
	if (c->protocol != IPPROTO_TCP || c->state == PODVS_CONN_S_PERSIST) {
		podvs_conn_kill(c);
		return;
	}
	spin_lock_bh(&c->lock);
	if (!(c->flags & (PODVS_CONN_F_UNLINKED | PODVS_CONN_F_GONE))) {
		WRITE_ONCE(c->flags, c->flags | PODVS_CONN_F_GONE);
		podvs_conn_set_state(c, PODVS_CONN_S_CLOSE);
		podvs_conn_set_expiry(c, jiffies +
				      podvs_conn_timeout(c->tab->pn,
							 PODVS_CONN_S_TIME_WAIT));
	}
	spin_unlock_bh(&c->lock);
}

/* Call fn on every entry of bucket b (client tuple), skipping the first
 * *skip; on a non-zero return, *skip is the index of that entry.
 */
static int podvs_walk_bucket(struct podvs_conn_table *tab, u32 b, u32 *skip,
			     int (*fn)(struct podvs_conn *c, void *arg),
			     void *arg)
{
	struct hlist_nulls_node *pos;
	struct podvs_conn_node *n;
	u32 idx = 0;
	int ret = 0;

	rcu_read_lock();
	hlist_nulls_for_each_entry_rcu(n, pos, &tab->buckets[b], node) {
		struct podvs_conn *c = podvs_node_conn(n);

		if (n->dir != PODVS_DIR_ORIG ||
		    (READ_ONCE(c->flags) & PODVS_CONN_F_UNLINKED))
			continue;
		if (idx++ < *skip)
			continue;
		ret = fn(c, arg);
		if (ret) {
			*skip = idx - 1;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

struct podvs_walk_dump {
	int (*fn)(const struct podvs_conn *c, void *arg);
	void *arg;
};

static int podvs_walk_dump_one(struct podvs_conn *c, void *arg)
{
	struct podvs_walk_dump *w = arg;

	return w->fn(c, w->arg);
}

int podvs_conn_walk(struct podvs_net *pn, unsigned long *pos,
		    int (*fn)(const struct podvs_conn *c, void *arg),
		    void *arg)
{
	struct podvs_walk_dump w = { .fn = fn, .arg = arg };
	struct podvs_conn_table *tab = pn->conn;
	u32 b = *pos >> PODVS_POS_SHIFT;
	u32 skip = *pos & (BIT(PODVS_POS_SHIFT) - 1);
	int ret;

	for (; b <= tab->mask; b++, skip = 0) {
		ret = podvs_walk_bucket(tab, b, &skip, podvs_walk_dump_one, &w);
		if (ret) {
			skip = min_t(u32, skip, BIT(PODVS_POS_SHIFT) - 1);
			*pos = ((unsigned long)b << PODVS_POS_SHIFT) | skip;
			return ret;
		}
	}
	*pos = (unsigned long)b << PODVS_POS_SHIFT;
	return 0;
}

u32 podvs_conn_count(struct podvs_net *pn)
{
	return atomic_read(&pn->conn->live);
}

u32 podvs_conn_buckets(struct podvs_net *pn)
{
	return pn->conn->mask + 1;
}

/* Apply fn to every entry, a bucket at a time, rescheduling in between. */
static void podvs_conn_each(struct podvs_conn_table *tab,
			    int (*fn)(struct podvs_conn *c, void *arg),
			    void *arg)
{
	u32 b, skip;

	for (b = 0; b <= tab->mask; b++) {
		skip = 0;
		podvs_walk_bucket(tab, b, &skip, fn, arg);
		if (!(b & 1023))
			cond_resched();
	}
}

static int podvs_conn_end_dead(struct podvs_conn *c, void *arg)
{
	if (READ_ONCE(c->dest->dead))
		podvs_conn_end(c);
	return 0;
}

void podvs_conn_flush_dead(struct podvs_net *pn)
{
	lockdep_assert_held(&pn->lock);
	might_sleep();
	if (!pn->conn)
		return;
	WRITE_ONCE(pn->conn->flush_walks, pn->conn->flush_walks + 1);
	podvs_conn_each(pn->conn, podvs_conn_end_dead, NULL);
}

unsigned long podvs_conn_flush_walks(struct podvs_net *pn)
{
	return pn->conn ? READ_ONCE(pn->conn->flush_walks) : 0;
}

static int podvs_conn_kill_one(struct podvs_conn *c, void *arg)
{
	podvs_conn_kill(c);
	return 0;
}

int podvs_conn_net_init(struct podvs_net *pn)
{
	u32 max = READ_ONCE(pn->cfg.conn_max) ?: 1U << 20;
	struct podvs_conn_table *tab;
	u32 i, n;

	n = clamp(roundup_pow_of_two(max / 16 ?: 1), PODVS_CONN_BUCKETS_MIN,
		  PODVS_CONN_BUCKETS_MAX);
	tab = kvzalloc(struct_size(tab, buckets, n), GFP_KERNEL);
	if (!tab)
		return -ENOMEM;
	tab->pn = pn;
	tab->mask = n - 1;
	get_random_bytes(&tab->key, sizeof(tab->key));
	for (i = 0; i < PODVS_CONN_LOCKS; i++)
		spin_lock_init(&tab->locks[i]);
	for (i = 0; i < n; i++)
		INIT_HLIST_NULLS_HEAD(&tab->buckets[i], i);
	pn->conn = tab;
	return 0;
}

/* The hooks are gone: nothing adds entries any more.  Kill every entry,
 * then wait for timer callbacks that were running and for the RCU frees.
 */
void podvs_conn_net_exit(struct podvs_net *pn)
{
	struct podvs_conn_table *tab = pn->conn;

	podvs_conn_each(tab, podvs_conn_kill_one, NULL);
	while (atomic_read(&tab->live)) {
		rcu_barrier();
		if (atomic_read(&tab->live))
			msleep(20);
	}
	kvfree(tab);
	pn->conn = NULL;
}
