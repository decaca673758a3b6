/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An informer: keeps a local copy of one resource in step with the API
 * server, as client-go's reflector does.
 *
 *   <path> may hold a query ("/api/v1/nodes?fieldSelector=..."): the
 *   informer's parameters are then appended with '&'.
 *   list    GET <path>?limit=500&resourceVersion=0 (the first list:
 *           served from the API server's watch cache, not a quorum read
 *           of etcd), then &continue=... page after page; every item is
 *           handed to ->upsert, then ->prune deletes whatever the cache
 *           holds that the list did not (a relist diffs the cache).  A
 *           relist after an error asks resourceVersion=<last>&
 *           resourceVersionMatch=NotOlderThan (from the cache, never
 *           older than what we hold); after a 410 none (a consistent
 *           read: the cache may not have caught up).
 *   watch   GET <path>?watch=1&allowWatchBookmarks=true&resourceVersion=RV
 *           &timeoutSeconds=T, a stream of JSON lines; ADDED/MODIFIED ->
 *           ->upsert, DELETED -> ->remove, every event and BOOKMARK moves
 *           RV; a normal end re-watches from RV at once.
 *   idle    a watch that sends nothing (not even a BOOKMARK, which API
 *           servers send about every PD_BOOKMARK_PERIOD_MS) for
 *           PD_WATCH_IDLE_MS is dead: cut and re-watched after a backoff.
 *   410     (HTTP status, ERROR event, expired continue): relist.
 *   429     (and any answer with Retry-After): the wait is at least the
 *           Retry-After seconds, at most PD_RETRY_AFTER_MAX_MS.
 *   errors  (transport, 5xx, malformed JSON, other ERROR events): retry
 *           after a jittered exponential backoff (500 ms doubling to 30 s,
 *           each wait uniform in [d/2, d]); a malformed line or an error
 *           mid-list relists, since events may have been lost.
 */
#ifndef PODVSD_INFORMER_H
#define PODVSD_INFORMER_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "base/hmap.h"
#include "k8s/http_client.h"
#include "base/log.h"
#include "base/loop.h"

#define PD_LIST_LIMIT		500
#define PD_BACKOFF_MIN_MS	500
#define PD_BACKOFF_MAX_MS	30000
#define PD_WATCH_TIMEOUT_S	300	/* jittered up to 2x */
#define PD_MAX_LINE		(64u << 20)
#define PD_BOOKMARK_PERIOD_MS	60000	/* kube-apiserver's watch cache */
#define PD_WATCH_IDLE_MS	(PD_BOOKMARK_PERIOD_MS + 30000)

struct pd_informer_ops {
	/* An object from a list or an ADDED/MODIFIED event. */
	void (*upsert)(void *ctx, const cJSON *obj);
	/* A DELETED event's object. */
	void (*remove)(void *ctx, const cJSON *obj);
	/* A full list ended: delete cached objects whose "ns/name" is not
	 * a key of @keep. */
	void (*prune)(void *ctx, const struct pd_hmap *keep);
	/* Objects changed (after a page or a chunk of events). */
	void (*changed)(void *ctx);
	/* The first full list ended. */
	void (*synced)(void *ctx);
};

/* How an informer issues requests (pd_http, or a test double). */
struct pd_informer_transport {
	int (*start)(void *t, struct pd_http_req *r);
	void (*cancel)(void *t, struct pd_http_req *r);
	void *t;
};

/* Why a watch stream was cut by us. */
enum pd_informer_abort {
	PD_ABORT_NONE,
	PD_ABORT_RELIST_NOW,		/* 410 ERROR event */
	PD_ABORT_RELIST_LATER,		/* malformed: events may be lost */
	PD_ABORT_REWATCH_LATER,		/* other ERROR event */
};

enum pd_informer_state {
	PD_INF_IDLE,
	PD_INF_LISTING,
	PD_INF_WATCHING,
	PD_INF_BACKOFF,
};

struct pd_informer_stats {
	unsigned long lists;		/* full lists started */
	unsigned long pages;
	unsigned long watches;		/* watch requests started */
	unsigned long events;		/* ADDED/MODIFIED/DELETED */
	unsigned long bookmarks;
	unsigned long gone;		/* 410s */
	unsigned long errors;		/* transport, status, ERROR events */
	unsigned long malformed;	/* unparsable JSON */
	unsigned long idle_timeouts;	/* watches silent past the limit */
	unsigned long throttled;	/* 429s */
};

struct pd_informer {
	const char *name;		/* "services", for logs and metrics */
	const char *path;		/* "/api/v1/services", owned elsewhere */
	const struct pd_informer_ops *ops;
	void *ctx;
	struct pd_informer_transport tr;
	struct pd_log *log;
	struct pd_loop *loop;

	enum pd_informer_state state;
	bool synced;
	bool relist;			/* next attempt lists, not watches */
	bool got_line;			/* the running watch sent an event */
	bool consistent;		/* the next list reads from etcd (410) */
	enum pd_informer_abort abort;
	char rv[64];
	char cont[1024];
	struct pd_hmap keep;		/* keys of the running list */
	struct pd_http_req req;
	struct pd_timer backoff;
	struct pd_timer idle;		/* the watch's silence limit */
	uint64_t backoff_ms;
	uint64_t last_data_ms;		/* the watch's last bytes */
	/* since when this informer has failed to stay current (monotonic
	 * ms; 0: listing or watching fine): set by a failed request or a
	 * silent watch, cleared by a completed list or a watch answering */
	uint64_t unhealthy_since_ms;
	unsigned int seed;
	char *line;			/* partial watch line */
	size_t len, cap;
	struct pd_informer_stats stats;
};

int pd_informer_init(struct pd_informer *inf, struct pd_loop *loop,
		     struct pd_log *log, const struct pd_informer_transport *tr,
		     const char *name, const char *path,
		     const struct pd_informer_ops *ops, void *ctx);
/* Begin with a list.  0 or -errno (then retried after a backoff). */
int pd_informer_start(struct pd_informer *inf);
void pd_informer_fini(struct pd_informer *inf);

/* The transport over pd_http. */
void pd_informer_http_transport(struct pd_http *h,
				struct pd_informer_transport *tr);

/* The next backoff delay (ms) for the current step; exported for tests. */
uint64_t pd_informer_next_backoff(struct pd_informer *inf);

#endif /* PODVSD_INFORMER_H */
