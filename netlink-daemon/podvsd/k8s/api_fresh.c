// SPDX-License-Identifier: GPL-2.0
/* The staleness signal: connection and informers (see api_fresh.h). */
#include <errno.h>
#include <string.h>

#include "k8s/api_fresh.h"

void pd_api_fresh_init(struct pd_api_fresh *f, const struct pd_http *http)
{
	memset(f, 0, sizeof(*f));
	f->http = http;
}

int pd_api_fresh_add(struct pd_api_fresh *f, const struct pd_informer *inf)
{
	if (f->n >= PD_API_FRESH_MAX)
		return -ENOSPC;
	f->inf[f->n++] = inf;
	return 0;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

uint64_t pd_api_stale_since(const struct pd_api_fresh *f, uint64_t now_ms)
{
	uint64_t since = f->http ? pd_http_dead_since(f->http) : 0;
	unsigned int i;

	for (i = 0; i < f->n; i++) {
		uint64_t u = f->inf[i]->unhealthy_since_ms;

		if (u && now_ms - u >= PD_API_STALE_GRACE_MS)
			since = earliest(since, u);
	}
	return since;
}
