// SPDX-License-Identifier: GPL-2.0
/*
 * VIP announcement: per-namespace state, the watchdog and the carrier of
 * the namespace's podvs links (the rule and the locking: announce.h).
 *
 * The watchdog is a timer armed at the deadline of the last heartbeat (a
 * SET_ANNOUNCE with HOLD): each heartbeat moves the deadline with
 * mod_timer().  When it fires, the carrier of every podvs link of the
 * namespace goes off, whatever READY and DECOMMISSIONED say, until the
 * next heartbeat.  The timer never re-arms itself, so timer_shutdown_sync()
 * at namespace exit leaves nothing behind.
 */
#include <linux/jiffies.h>
#include <linux/netdevice.h>

#include "announce.h"
#include "pernet.h"

/* Give every link the carrier of the rule; under lock.  netif_carrier_*()
 * do nothing for a link that already has it.
 */
static void podvs_ann_apply(struct podvs_announce *a)
{
	bool up = podvs_ann_carrier(a->running, a->ready, a->decommissioned);
	struct podvs_link *l;

	lockdep_assert_held(&a->lock);
	a->up = up;
	list_for_each_entry(l, &a->links, node) {
		if (up)
			netif_carrier_on(l->dev);
		else
			netif_carrier_off(l->dev);
	}
}

static void podvs_ann_fire_locked(struct podvs_net *pn)
{
	struct podvs_announce *a = &pn->ann;

	lockdep_assert_held(&a->lock);
	if (!a->running)
		return;
	a->running = false;
	a->expiries++;
	podvs_ann_apply(a);
	pr_notice("podvs: no announce heartbeat for %us: carrier off on %u podvs links (netns %u)\n",
		  a->hold, a->nlinks, pn->net->ns.inum);
}

void podvs_ann_expire(struct podvs_net *pn)
{
	spin_lock_bh(&pn->ann.lock);
	podvs_ann_fire_locked(pn);
	spin_unlock_bh(&pn->ann.lock);
}

/* Softirq.  A heartbeat may have moved the deadline while the timer was
 * already firing: then mod_timer() armed it again and this run does
 * nothing.
 */
static void podvs_ann_timer(struct timer_list *t)
{
	struct podvs_net *pn = from_timer(pn, t, ann.timer);
	struct podvs_announce *a = &pn->ann;

	spin_lock(&a->lock);
	if (a->running && !time_before(jiffies, a->deadline))
		podvs_ann_fire_locked(pn);
	spin_unlock(&a->lock);
}

void podvs_ann_net_init(struct podvs_net *pn)
{
	struct podvs_announce *a = &pn->ann;

	spin_lock_init(&a->lock);
	INIT_LIST_HEAD(&a->links);
	timer_setup(&a->timer, podvs_ann_timer, 0);
	a->hold = 0;
	a->expiries = 0;
	a->nlinks = 0;
	a->running = false;
	a->ready = false;
	a->decommissioned = false;
	a->up = false;
}

void podvs_ann_net_exit(struct podvs_net *pn)
{
	struct podvs_announce *a = &pn->ann;

	timer_shutdown_sync(&a->timer);
	WARN_ON_ONCE(!list_empty(&a->links));
}

bool podvs_ann_set(struct podvs_net *pn, const struct podvs_ann_req *req)
{
	struct podvs_announce *a = &pn->ann;
	bool changed;

	spin_lock_bh(&a->lock);
	changed = (req->has_hold && (req->hold != a->hold || !a->running)) ||
		  (req->has_ready && req->ready != a->ready) ||
		  (req->has_decommissioned &&
		   req->decommissioned != a->decommissioned);
	if (req->has_hold) {
		a->hold = req->hold;
		a->deadline = jiffies + (unsigned long)req->hold * HZ;
		a->running = true;
		mod_timer(&a->timer, a->deadline);
	}
	if (req->has_ready)
		a->ready = req->ready;
	if (req->has_decommissioned)
		a->decommissioned = req->decommissioned;
	podvs_ann_apply(a);
	spin_unlock_bh(&a->lock);
	return changed;
}

void podvs_ann_read(struct podvs_net *pn, struct podvs_ann_snap *s)
{
	struct podvs_announce *a = &pn->ann;
	unsigned long now;

	spin_lock_bh(&a->lock);
	now = jiffies;
	s->hold = a->hold;
	s->remaining_ms = a->running && time_before(now, a->deadline) ?
			  jiffies_to_msecs(a->deadline - now) : 0;
	s->expiries = a->expiries;
	s->links = a->nlinks;
	s->ready = a->ready;
	s->decommissioned = a->decommissioned;
	s->up = a->up;
	spin_unlock_bh(&a->lock);
}

/* ndo_init: before the link is registered, so its first carrier is the
 * namespace's and no event is sent for it.
 */
void podvs_ann_link_add(struct podvs_net *pn, struct podvs_link *l)
{
	struct podvs_announce *a = &pn->ann;

	l->pn = pn;
	spin_lock_bh(&a->lock);
	list_add_tail(&l->node, &a->links);
	a->nlinks++;
	if (a->up)
		netif_carrier_on(l->dev);
	else
		netif_carrier_off(l->dev);
	spin_unlock_bh(&a->lock);
}

void podvs_ann_link_del(struct podvs_link *l)
{
	struct podvs_announce *a = &l->pn->ann;

	spin_lock_bh(&a->lock);
	list_del_init(&l->node);
	a->nlinks--;
	spin_unlock_bh(&a->lock);
}
