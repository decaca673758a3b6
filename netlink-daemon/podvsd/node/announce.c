// SPDX-License-Identifier: GPL-2.0
/* The announcement rule (see announce.h). */
#include <errno.h>
#include <string.h>

#include "base/addr.h"
#include "node/announce.h"

static const char *const reasons[PD_ANN_N_REASONS] = {
	[PD_ANN_NO_DEST] = "no_dest",
	[PD_ANN_API_LOST] = "api_lost",
	[PD_ANN_KERNEL_ERROR] = "kernel_error",
	[PD_ANN_NOT_SYNCED] = "not_synced",
	[PD_ANN_DECOMMISSIONED] = "decommissioned",
	[PD_ANN_WATCHDOG] = "watchdog",
};

const char *pd_ann_reason_str(enum pd_ann_reason r)
{
	return r < PD_ANN_N_REASONS ? reasons[r] : "?";
}

uint64_t pd_ann_beat_ms(uint32_t grace_s)
{
	uint64_t ms = (uint64_t)grace_s * 1000 / 6;

	return ms < 1000 ? 1000 : ms;
}

static void health_set(struct pd_announce *a, struct pd_ann_health *h,
		       const char *what, bool ok, uint64_t now_ms);

/* ---- the kernel switch ------------------------------------------------- */

static bool unsupported(struct pd_announce *a, int ret)
{
	if (ret != -EOPNOTSUPP)
		return false;
	if (!a->stats.unsupported)
		pd_warn(a->log, "msg=\"the podvs module has no VIP announcement:"
			" no READY, no watchdog\"");
	a->stats.unsupported = true;
	return true;
}

static void read_state(struct pd_announce *a)
{
	struct pd_ann_state st;
	char err[256];
	int ret = a->ops.get(a->ops.ctx, &st, err, sizeof(err));

	if (ret) {
		if (!unsupported(a, ret))
			pd_warn(a->log, "msg=\"cannot read the announcement "
				"state\" err=\"%s\"", err);
		return;
	}
	a->stats.unsupported = false;
	a->stats.ready = st.ready;
	a->stats.up = st.up;
	a->ready_known = true;
	if (st.expiries > a->last_expiries && a->hold_set) {
		a->stats.withdrawals[PD_ANN_WATCHDOG]++;
		pd_warn(a->log, "msg=\"watchdog fired: VIPs withdrawn\" "
			"reason=watchdog expiries=%u", st.expiries);
	}
	a->last_expiries = st.expiries;
	if (a->hold_set && !st.hold) {
		pd_warn(a->log, "msg=\"the podvs module was reloaded: "
			"reprogramming, recreating the link\"");
		a->hold_set = false;
		a->ready_known = false;
		a->await_sync = true;	/* READY stays 0 until reprogrammed */
		if (a->decom == PD_DECOM_ON || a->decom == PD_DECOM_OFF)
			a->decom_dirty = true;	/* the switch was lost */
		if (a->hooks.reloaded)
			a->hooks.reloaded(a->hooks.ctx);
	}
}

static int write_req(struct pd_announce *a, const struct pd_ann_req *req,
		     uint64_t now_ms)
{
	char err[256];
	int ret = a->ops.set(a->ops.ctx, req, err, sizeof(err));

	if (!ret) {
		a->stats.unsupported = false;
		health_set(a, &a->sw, "SET_ANNOUNCE", true, now_ms);
		return 0;
	}
	if (unsupported(a, ret))
		return ret;
	a->stats.errors++;
	pd_warn(a->log, "msg=\"SET_ANNOUNCE failed\" err=\"%s\"", err);
	health_set(a, &a->sw, "SET_ANNOUNCE", false, now_ms);
	return ret;
}

/* ---- health and the READY decision -------------------------------------- */

static bool expired(const struct pd_announce *a, const struct pd_ann_health *h,
		    uint64_t now_ms)
{
	return h->bad_since_ms &&
	       now_ms - h->bad_since_ms >= (uint64_t)a->grace_s * 1000;
}

static void health_set(struct pd_announce *a, struct pd_ann_health *h,
		       const char *what, bool ok, uint64_t now_ms)
{
	if (ok && h->bad_since_ms) {
		pd_info(a->log, "msg=\"%s healthy again\" after_ms=%llu", what,
			(unsigned long long)(now_ms - h->bad_since_ms));
		h->bad_since_ms = 0;
		h->logged = false;
	} else if (!ok && !h->bad_since_ms) {
		pd_warn(a->log, "msg=\"%s unhealthy: VIPs stay announced for "
			"the grace period\" grace_s=%u", what, a->grace_s);
		h->bad_since_ms = now_ms ? now_ms : 1;
	}
}

void pd_ann_api_stale(struct pd_announce *a, uint64_t stale_since_ms,
		      uint64_t now_ms)
{
	health_set(a, &a->api, "API server", !stale_since_ms, now_ms);
	if (stale_since_ms && stale_since_ms < a->api.bad_since_ms)
		a->api.bad_since_ms = stale_since_ms;
}

void pd_ann_kernel(struct pd_announce *a, bool ok, uint64_t now_ms)
{
	health_set(a, &a->kernel, "kernel programming", ok, now_ms);
}

/* Why READY must be 0 now, or PD_ANN_N_REASONS if it may be 1. */
static enum pd_ann_reason unready(const struct pd_announce *a,
				  uint64_t now_ms)
{
	if (!a->synced)
		return now_ms - a->start_ms >= (uint64_t)a->grace_s * 1000 ?
		       PD_ANN_NOT_SYNCED : PD_ANN_N_REASONS;
	if (expired(a, &a->api, now_ms))
		return PD_ANN_API_LOST;
	if (expired(a, &a->kernel, now_ms) || expired(a, &a->sw, now_ms))
		return PD_ANN_KERNEL_ERROR;
	return PD_ANN_N_REASONS;
}

/* 1, 0, or -1 (undecided: before the first sync, within grace). */
static int decide(struct pd_announce *a, uint64_t now_ms)
{
	enum pd_ann_reason r = unready(a, now_ms);

	if (a->await_sync && r == PD_ANN_N_REASONS)
		return -1;
	if (r == PD_ANN_N_REASONS)
		return a->synced ? 1 : a->stale_ready ? 0 : -1;
	if (a->want_ready != 0) {
		a->stats.withdrawals[r]++;
		pd_warn(a->log, "msg=\"withdrawing every VIP: READY=0\" "
			"reason=%s grace_s=%u", pd_ann_reason_str(r),
			a->grace_s);
	}
	return 0;
}

static void set_want(struct pd_announce *a, int want)
{
	if (want == 1 && a->want_ready != 1)
		pd_info(a->log, "msg=\"announcing: READY=1\" reason=%s",
			a->want_ready < 0 ? "synced" : "healthy");
	a->want_ready = want;
}

/* ---- the link ------------------------------------------------------------ */

static void log_link_diff(struct pd_announce *a)
{
	struct pd_hmap_iter it;
	char s[PD_ADDR_STRLEN];

	for (struct pd_hmap_ent *e = pd_hmap_first(&a->on_link, &it); e;
	     e = pd_hmap_next(&a->on_link, &it)) {
		if (pd_hmap_get(&a->usable, e->key, e->klen))
			continue;
		a->stats.withdrawals[PD_ANN_NO_DEST]++;
		pd_info(a->log, "msg=\"VIP withdrawn\" vip=%s reason=no_dest",
			pd_addr_str((const void *)e->key, s));
	}
	for (struct pd_hmap_ent *e = pd_hmap_first(&a->usable, &it); e;
	     e = pd_hmap_next(&a->usable, &it))
		if (!pd_hmap_get(&a->on_link, e->key, e->klen))
			pd_info(a->log, "msg=\"VIP announced\" vip=%s "
				"reason=usable_dest",
				pd_addr_str((const void *)e->key, s));
}

static int copy_set(struct pd_hmap *dst, const struct pd_hmap *src)
{
	struct pd_hmap_iter it;

	pd_hmap_fini(dst);
	pd_hmap_init(dst);
	for (struct pd_hmap_ent *e = pd_hmap_first(src, &it); e;
	     e = pd_hmap_next(src, &it))
		if (pd_hmap_put(dst, e->key, e->klen, (void *)1, NULL))
			return -ENOMEM;
	return 0;
}

static void link_apply(struct pd_announce *a)
{
	if (!a->synced || a->await_sync || !a->link_dirty ||
	    !a->hooks.link_sync)
		return;
	if (a->hooks.link_sync(a->hooks.ctx, &a->usable))
		return;		/* retried at the next tick */
	log_link_diff(a);
	if (copy_set(&a->on_link, &a->usable))
		return;
	a->stats.vips = a->on_link.n;
	a->link_dirty = false;
}

int pd_ann_vips(struct pd_announce *a, const struct pd_hmap *usable,
		uint64_t now_ms)
{
	int ret = copy_set(&a->usable, usable);

	a->link_dirty = true;
	a->await_sync = false;
	if (!ret)
		pd_ann_tick(a, now_ms);
	return ret;
}

void pd_ann_link_reset(struct pd_announce *a)
{
	pd_hmap_fini(&a->on_link);
	pd_hmap_init(&a->on_link);
	a->stats.vips = 0;
	a->link_dirty = true;
}

/* ---- the Node annotation ------------------------------------------------- */

int pd_ann_node(struct pd_announce *a, const char *value, uint64_t now_ms)
{
	enum pd_ann_decom d;

	if (!value)
		d = PD_DECOM_ABSENT;
	else if (!strcmp(value, "true"))
		d = PD_DECOM_ON;
	else if (!strcmp(value, "false"))
		d = PD_DECOM_OFF;
	else {
		pd_warn(a->log, "msg=\"Node annotation ignored: not \\\"true\\\""
			" or \\\"false\\\"\" annotation=" PD_ANN_ANNOTATION);
		return -EINVAL;
	}
	if (d == a->decom)
		return 0;
	/* absent at start: the kernel's switch is left as it is */
	a->decom_dirty = !(a->decom == PD_DECOM_UNSEEN && d == PD_DECOM_ABSENT);
	a->decom = d;
	pd_ann_tick(a, now_ms);
	return 0;
}

/* ---- the tick ------------------------------------------------------------ */

static void write_decom(struct pd_announce *a, struct pd_ann_req *req)
{
	if (!a->decom_dirty)
		return;
	req->has_decommissioned = true;
	req->decommissioned = a->decom == PD_DECOM_ON;
}

static void decom_written(struct pd_announce *a, bool on)
{
	a->decom_dirty = false;
	pd_info(a->log, "msg=\"%s\" annotation=" PD_ANN_ANNOTATION
		" decommissioned=%d", on ? "decommissioned: VIPs withdrawn" :
		"decommission lifted", on);
	if (on)
		a->stats.withdrawals[PD_ANN_DECOMMISSIONED]++;
}

void pd_ann_tick(struct pd_announce *a, uint64_t now_ms)
{
	struct pd_ann_req req = { 0 };
	bool beat = now_ms >= a->next_beat_ms;
	int want;

	/* first: a reloaded module must not get READY=1 before its tables */
	if (beat && !a->stats.unsupported)
		read_state(a);
	want = decide(a, now_ms);
	set_want(a, want);
	if (beat) {
		req.has_hold = true;
		req.hold = a->grace_s;
	}
	if (want >= 0 && (beat || !a->ready_known ||
			  a->stats.ready != (bool)want)) {
		req.has_ready = true;
		req.ready = want;
	}
	write_decom(a, &req);
	/* a module without the commands is asked again at heartbeats only */
	if ((req.has_hold || req.has_ready || req.has_decommissioned) &&
	    (beat || !a->stats.unsupported) && !write_req(a, &req, now_ms)) {
		if (req.has_hold) {
			a->hold_set = true;
			a->stats.heartbeats++;
		}
		if (req.has_ready) {
			a->stats.ready = req.ready;
			a->ready_known = true;
		}
		if (req.has_decommissioned)
			decom_written(a, req.decommissioned);
	}
	if (beat)
		a->next_beat_ms = now_ms + pd_ann_beat_ms(a->grace_s);
	link_apply(a);
}

void pd_ann_synced(struct pd_announce *a, uint64_t now_ms)
{
	if (a->synced)
		return;
	a->synced = true;
	pd_ann_tick(a, now_ms);
}

/* ---- life cycle ------------------------------------------------------------ */

void pd_ann_init(struct pd_announce *a, struct pd_log *log, uint32_t grace_s,
		 const struct pd_ann_ops *ops, const struct pd_ann_hooks *hooks,
		 uint64_t now_ms)
{
	memset(a, 0, sizeof(*a));
	a->log = log;
	a->ops = *ops;
	a->hooks = *hooks;
	a->grace_s = grace_s ? grace_s : 1;
	a->start_ms = now_ms;
	a->want_ready = -1;
	pd_hmap_init(&a->usable);
	pd_hmap_init(&a->on_link);
	read_state(a);
	/* what an earlier podvsd left: not ours to count as a new expiry */
	a->hold_set = false;
	/* its watchdog fired: our heartbeat must not bring back its READY */
	a->stale_ready = a->ready_known && a->stats.ready && !a->stats.up;
}

void pd_ann_fini(struct pd_announce *a)
{
	pd_hmap_fini(&a->usable);
	pd_hmap_fini(&a->on_link);
}
