// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm: JSON output (-o json / --json) with cJSON.  Addresses are
 * strings, ports and counters numbers; field names are stable (scripts
 * depend on them, see podvsadm(8)).
 */
#include <string.h>
#include <cjson/cJSON.h>
#include "cli.h"

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static bool add_addr(cJSON *o, const char *key, uint16_t af,
		     const union lpv_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	return cJSON_AddStringToObject(o, key, lpv_addr_str(af, a, buf,
							    sizeof(buf))) != NULL;
}

static cJSON *stats_json(const struct lpv_stats *st)
{
	const struct {
		const char *key;
		uint64_t v;
	} f[] = {
		{ "conns", st->conns }, { "inpkts", st->inpkts },
		{ "outpkts", st->outpkts }, { "inbytes", st->inbytes },
		{ "outbytes", st->outbytes }, { "cps", st->cps },
		{ "inpps", st->inpps }, { "outpps", st->outpps },
		{ "inbps", st->inbps }, { "outbps", st->outbps },
	};
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; o && i < sizeof(f) / sizeof(f[0]); i++)
		if (!cJSON_AddNumberToObject(o, f[i].key, (double)f[i].v)) {
			cJSON_Delete(o);
			return NULL;
		}
	return o;
}

static cJSON *dest_json(uint16_t af, const struct lpv_dest *d)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && add_addr(o, "address", af, &d->addr);
	ok = ok && cJSON_AddNumberToObject(o, "port", d->port);
	ok = ok && cJSON_AddStringToObject(o, "forward", "masq");
	ok = ok && cJSON_AddNumberToObject(o, "weight", d->weight);
	ok = ok && cJSON_AddBoolToObject(o, "drain", !!(d->flags & PODVS_DEST_F_DRAIN));
	ok = ok && cJSON_AddNumberToObject(o, "active_conns", d->active_conns);
	ok = ok && cJSON_AddNumberToObject(o, "inactive_conns", d->inactive_conns);
	ok = ok && cJSON_AddNumberToObject(o, "persist_conns", d->persist_conns);
	ok = ok && cJSON_AddStringToObject(o, "owner", d->owner);
	ok = ok && cJSON_AddItemToObject(o, "stats", stats_json(&d->stats));
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static bool svc_fields(cJSON *o, const struct lpv_service *s)
{
	char flags[64];
	bool ok;

	adm_sched_flags_str(flags, sizeof(flags), s);
	ok = cJSON_AddStringToObject(o, "protocol", proto_name(s->protocol)) &&
	     add_addr(o, "address", s->af, &s->addr) &&
	     cJSON_AddNumberToObject(o, "port", s->port) &&
	     cJSON_AddStringToObject(o, "scheduler", s->sched) &&
	     cJSON_AddStringToObject(o, "sched_flags", flags) &&
	     cJSON_AddBoolToObject(o, "persistent",
				   !!(s->flags & PODVS_SVC_F_PERSISTENT)) &&
	     cJSON_AddNumberToObject(o, "timeout", s->timeout) &&
	     cJSON_AddNumberToObject(o, "netmask", s->present & LPV_SVC_HAS_NETMASK ?
				     s->netmask : (s->af == AF_INET6 ? 128 : 32)) &&
	     cJSON_AddNumberToObject(o, "mh_table_size", s->mh_table_size) &&
	     cJSON_AddStringToObject(o, "owner", s->owner);
	return ok && cJSON_AddItemToObject(o, "stats", stats_json(&s->stats));
}

static cJSON *svc_json(const struct adm_svc_entry *e)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	size_t i;

	if (!o || !svc_fields(o, &e->svc))
		goto fail;
	arr = cJSON_AddArrayToObject(o, "dests");
	if (!arr)
		goto fail;
	for (i = 0; i < e->ndests; i++) {
		cJSON *d = dest_json(e->svc.af, &e->dests[i]);

		if (!d || !cJSON_AddItemToArray(arr, d))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* Print @root (consumed) followed by a newline. */
static int emit(FILE *f, cJSON *root)
{
	char *s = root ? cJSON_Print(root) : NULL;

	cJSON_Delete(root);
	if (!s)
		return -1;
	fprintf(f, "%s\n", s);
	cJSON_free(s);
	return 0;
}

/*
 * Print { "@name": [ item(items, 0), ... item(items, n - 1) ] }; nothing is
 * printed when an item cannot be built.
 */
static int emit_array(FILE *f, const char *name, const void *items, size_t n,
		      cJSON *(*item)(const void *items, size_t i))
{
	cJSON *root = cJSON_CreateObject(), *arr;
	size_t i;

	arr = root ? cJSON_AddArrayToObject(root, name) : NULL;
	if (!arr) {
		cJSON_Delete(root);
		return -1;
	}
	for (i = 0; i < n; i++) {
		cJSON *o = item(items, i);

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(root);
			return -1;
		}
	}
	return emit(f, root);
}

static cJSON *svc_item(const void *items, size_t i)
{
	return svc_json((const struct adm_svc_entry *)items + i);
}

int adm_json_services(FILE *f, const struct adm_svc_entry *e, size_t n)
{
	return emit_array(f, "services", e, n, svc_item);
}

static cJSON *conn_json(const struct lpv_conn *c)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && cJSON_AddStringToObject(o, "protocol", proto_name(c->protocol));
	ok = ok && add_addr(o, "client", c->af, &c->caddr);
	ok = ok && cJSON_AddNumberToObject(o, "client_port", c->cport);
	ok = ok && add_addr(o, "virtual", c->af, &c->vaddr);
	ok = ok && cJSON_AddNumberToObject(o, "virtual_port", c->vport);
	ok = ok && add_addr(o, "dest", c->af, &c->daddr);
	ok = ok && cJSON_AddNumberToObject(o, "dest_port", c->dport);
	ok = ok && cJSON_AddStringToObject(o, "state", lpv_conn_state_name(c->state));
	ok = ok && cJSON_AddNumberToObject(o, "expires", c->expires);
	ok = ok && cJSON_AddBoolToObject(o, "learned",
					 (c->flags & PODVS_CONN_FL_LEARNED) != 0);
	ok = ok && cJSON_AddBoolToObject(o, "snat",
					 (c->flags & PODVS_CONN_FL_SNAT) != 0);
	if (ok && c->has_laddr) {
		ok = add_addr(o, "snat_addr", c->af, &c->laddr);
		ok = ok && cJSON_AddNumberToObject(o, "snat_port", c->lport);
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *conn_item(const void *items, size_t i)
{
	return conn_json((const struct lpv_conn *)items + i);
}

int adm_json_conns(FILE *f, const struct lpv_conn *c, size_t n)
{
	return emit_array(f, "connections", c, n, conn_item);
}

int adm_json_config(FILE *f, const struct lpv_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && cJSON_AddNumberToObject(o, "tcp", cfg->tcp_timeout);
	ok = ok && cJSON_AddNumberToObject(o, "tcpfin", cfg->tcpfin_timeout);
	ok = ok && cJSON_AddNumberToObject(o, "udp", cfg->udp_timeout);
	ok = ok && cJSON_AddNumberToObject(o, "synrecv", cfg->synrecv_timeout);
	ok = ok && cJSON_AddNumberToObject(o, "close", cfg->close_timeout);
	ok = ok && cJSON_AddNumberToObject(o, "conn_max", cfg->conn_max);
	return emit(f, ok ? o : (cJSON_Delete(o), NULL));
}

static cJSON *drops_json(const struct lpv_drops *d)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && cJSON_AddNumberToObject(o, "no_service", (double)d->no_service);
	ok = ok && cJSON_AddNumberToObject(o, "no_dest", (double)d->no_dest);
	ok = ok && cJSON_AddNumberToObject(o, "conn_limit", (double)d->conn_limit);
	ok = ok && cJSON_AddNumberToObject(o, "no_route", (double)d->no_route);
	ok = ok && cJSON_AddNumberToObject(o, "nomem", (double)d->nomem);
	ok = ok && cJSON_AddNumberToObject(o, "malformed", (double)d->malformed);
	ok = ok && cJSON_AddNumberToObject(o, "dest_gone", (double)d->dest_gone);
	ok = ok && cJSON_AddNumberToObject(o, "ambiguous", (double)d->ambiguous);
	ok = ok && cJSON_AddNumberToObject(o, "snat_ports", (double)d->snat_ports);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int adm_json_info(FILE *f, const struct lpv_info *i)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && cJSON_AddStringToObject(o, "version", i->version);
	ok = ok && cJSON_AddNumberToObject(o, "abi", i->abi);
	ok = ok && cJSON_AddNumberToObject(o, "services", i->services);
	ok = ok && cJSON_AddNumberToObject(o, "dests", i->dests);
	ok = ok && cJSON_AddNumberToObject(o, "conns", i->conns);
	ok = ok && cJSON_AddNumberToObject(o, "conn_max", i->conn_max);
	ok = ok && cJSON_AddNumberToObject(o, "svc_buckets", i->svc_buckets);
	ok = ok && cJSON_AddNumberToObject(o, "conn_buckets", i->conn_buckets);
	ok = ok && cJSON_AddNumberToObject(o, "generation", i->generation);
	ok = ok && cJSON_AddStringToObject(o, "schedulers", i->schedulers);
	ok = ok && cJSON_AddItemToObject(o, "drops", drops_json(&i->drops));
	ok = ok && cJSON_AddNumberToObject(o, "learned", (double)i->learned);
	return emit(f, ok ? o : (cJSON_Delete(o), NULL));
}

int adm_json_announce(FILE *f, const struct lpv_announce *a)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && cJSON_AddBoolToObject(o, "up", a->up);
	ok = ok && cJSON_AddNumberToObject(o, "links", a->links);
	ok = ok && cJSON_AddNumberToObject(o, "hold", a->hold);
	ok = ok && cJSON_AddNumberToObject(o, "remaining_ms", a->remaining_ms);
	ok = ok && cJSON_AddBoolToObject(o, "ready", a->ready);
	ok = ok && cJSON_AddBoolToObject(o, "decommissioned", a->decommissioned);
	ok = ok && cJSON_AddNumberToObject(o, "expiries", a->expiries);
	return emit(f, ok ? o : (cJSON_Delete(o), NULL));
}
