// SPDX-License-Identifier: GPL-2.0
/* VIP allocation from --vip-pool. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <cjson/cJSON.h>

#include "sync/desired.h"
#include "sync/vippool.h"

/* @a + 1, big-endian, within its family's length. */
static void addr_inc(struct pd_addr *a)
{
	for (int i = (int)pd_addr_len(a->af) - 1; i >= 0; i--)
		if (++a->b[i])
			break;
}

static bool is_broadcast(const struct pd_cidr *pool, const struct pd_addr *a)
{
	struct pd_addr last = pool->addr;
	unsigned int bits = 32 - pool->plen;

	if (pool->addr.af != AF_INET || bits < 2)
		return false;
	for (unsigned int i = 0; i < bits; i++)
		last.b[3 - i / 8] |= 1u << (i % 8);
	return !pd_addr_cmp(&last, a);
}

int pd_pool_alloc(const struct pd_cidr *pool, const struct pd_hmap *used,
		  struct pd_addr *out)
{
	struct pd_addr a = pool->addr;

	for (unsigned int n = 0; n < PD_POOL_SCAN_MAX; n++) {
		addr_inc(&a);
		if (!pd_addr_in_cidr(&a, pool) || is_broadcast(pool, &a))
			return -ENOSPC;
		if (!pd_hmap_get(used, &a, sizeof(a))) {
			*out = a;
			return 0;
		}
	}
	return -ENOSPC;
}

bool pd_pool_wants(const struct k8s_service *s, uint16_t af)
{
	bool fam = !s->n_families;

	if (pd_svc_selected(s) != PD_SEL_CLASS ||
	    s->type != K8S_SVC_LOAD_BALANCER || s->meta.deleting)
		return false;
	for (size_t i = 0; i < s->n_families; i++)
		fam |= s->families[i] == af;
	for (size_t i = 0; fam && i < s->n_ingress_ips; i++)
		if (s->ingress_ips[i].af == af)
			return false;
	return fam;
}

static int mark(struct pd_hmap *used, const struct pd_addr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pd_addr a = { .af = v[i].af };

		memcpy(a.b, v[i].b, pd_addr_len(a.af));
		if (pd_hmap_put(used, &a, sizeof(a), (void *)1, NULL))
			return -ENOMEM;
	}
	return 0;
}

int pd_pool_mark_used(struct pd_hmap *used, const struct k8s_service *s)
{
	return mark(used, s->ingress_ips, s->n_ingress_ips) ?:
	       mark(used, s->external_ips, s->n_external_ips);
}

/* The entries @ingress_json holds (an array; anything else: none). */
static cJSON *existing_ingress(const char *ingress_json)
{
	cJSON *ing = ingress_json ? cJSON_Parse(ingress_json) : NULL;

	if (cJSON_IsArray(ing))
		return ing;
	cJSON_Delete(ing);
	return cJSON_CreateArray();
}

char *pd_pool_status_patch(const char *rv, const char *ingress_json,
			   const struct pd_addr *addrs, size_t n)
{
	cJSON *p = cJSON_CreateObject();
	cJSON *ing = existing_ingress(ingress_json);
	cJSON *lb;
	char *out = NULL;

	if (!p || !ing || !rv || !*rv)
		goto out;
	/* a merge patch naming resourceVersion is a precondition: 409 if
	 * the Service moved since we read it (another leader wrote) */
	cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "metadata"),
				"resourceVersion", rv);
	lb = cJSON_AddObjectToObject(cJSON_AddObjectToObject(p, "status"),
				     "loadBalancer");
	for (size_t i = 0; i < n; i++) {
		char s[PD_ADDR_STRLEN];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "ip", pd_addr_str(&addrs[i], s));
		cJSON_AddItemToArray(ing, e);
	}
	cJSON_AddItemToObject(lb, "ingress", ing);
	ing = NULL;
	out = cJSON_PrintUnformatted(p);
out:
	cJSON_Delete(ing);
	cJSON_Delete(p);
	return out;
}
