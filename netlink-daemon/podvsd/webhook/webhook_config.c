// SPDX-License-Identifier: GPL-2.0
/* The webhook's Secret and MutatingWebhookConfiguration as JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>

#include "webhook/admission.h"
#include "webhook/rotation.h"
#include "webhook/webhook_config.h"

char *pd_base64(const char *s)
{
	gnutls_datum_t in = { (unsigned char *)s, strlen(s) }, out;
	char *r;

	if (gnutls_base64_encode2(&in, &out))
		return NULL;
	r = strndup((char *)out.data, out.size);
	gnutls_free(out.data);
	return r;
}

static char *unbase64(const char *s)
{
	gnutls_datum_t in = { (unsigned char *)s, strlen(s) }, out;
	char *r;

	if (!*s)
		return strdup("");
	if (gnutls_base64_decode2(&in, &out))
		return NULL;
	r = strndup((char *)out.data, out.size);
	gnutls_free(out.data);
	return r;
}

static cJSON *str_array(const char *s)
{
	const char *one[] = { s };

	return cJSON_CreateStringArray(one, 1);
}

static cJSON *rules(void)
{
	cJSON *arr = cJSON_CreateArray(), *r = cJSON_CreateObject();

	cJSON_AddItemToArray(arr, r);
	cJSON_AddItemToObject(r, "operations", str_array("CREATE"));
	cJSON_AddItemToObject(r, "apiGroups", str_array(""));
	cJSON_AddItemToObject(r, "apiVersions", str_array("v1"));
	cJSON_AddItemToObject(r, "resources", str_array("pods"));
	cJSON_AddStringToObject(r, "scope", "Namespaced");
	return arr;
}

static cJSON *client_config(const char *service, const char *ns,
			    const char *ca_pem)
{
	cJSON *cc = cJSON_CreateObject(), *svc;
	char *b64 = pd_base64(ca_pem);

	svc = cJSON_AddObjectToObject(cc, "service");
	cJSON_AddStringToObject(svc, "name", service);
	cJSON_AddStringToObject(svc, "namespace", ns);
	cJSON_AddStringToObject(svc, "path", PD_WH_PATH);
	cJSON_AddNumberToObject(svc, "port", PD_WH_SERVICE_PORT);
	if (b64)
		cJSON_AddStringToObject(cc, "caBundle", b64);
	free(b64);
	return cc;
}

static cJSON *webhook(const char *service, const char *ns, const char *ca_pem)
{
	cJSON *w = cJSON_CreateObject(), *sel, *ml;

	cJSON_AddStringToObject(w, "name", PD_WH_WEBHOOK_NAME);
	cJSON_AddItemToObject(w, "clientConfig",
			      client_config(service, ns, ca_pem));
	cJSON_AddItemToObject(w, "rules", rules());
	sel = cJSON_AddObjectToObject(w, "namespaceSelector");
	ml = cJSON_AddObjectToObject(sel, "matchLabels");
	cJSON_AddStringToObject(ml, PD_NS_INJECT_LABEL, PD_NS_INJECT_VALUE);
	cJSON_AddStringToObject(w, "failurePolicy", "Ignore");
	cJSON_AddStringToObject(w, "sideEffects", "None");
	cJSON_AddItemToObject(w, "admissionReviewVersions", str_array("v1"));
	cJSON_AddNumberToObject(w, "timeoutSeconds", PD_WH_TIMEOUT_S);
	return w;
}

/* Did every cJSON_Add* succeed?  Their failures leave fields out. */
static bool complete(const cJSON *cfg)
{
	const cJSON *w = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(cfg, "webhooks"), 0);
	const cJSON *cc = cJSON_GetObjectItemCaseSensitive(w, "clientConfig");

	return cJSON_GetArraySize(w) == 8 && cJSON_GetArraySize(cc) == 2 &&
	       cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cfg,
								   "metadata"));
}

cJSON *pd_wh_config(const char *service, const char *ns, const char *ca_pem)
{
	cJSON *cfg = cJSON_CreateObject(), *md, *lb, *hooks;

	cJSON_AddStringToObject(cfg, "apiVersion",
				"admissionregistration.k8s.io/v1");
	cJSON_AddStringToObject(cfg, "kind", "MutatingWebhookConfiguration");
	md = cJSON_AddObjectToObject(cfg, "metadata");
	cJSON_AddStringToObject(md, "name", PD_WH_CONFIG_NAME);
	lb = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(lb, "app.kubernetes.io/managed-by",
				PD_WH_MANAGED_BY);
	hooks = cJSON_AddArrayToObject(cfg, "webhooks");
	cJSON_AddItemToArray(hooks, webhook(service, ns, ca_pem));
	if (!cfg || !complete(cfg)) {
		cJSON_Delete(cfg);
		return NULL;
	}
	return cfg;
}

static int differs(char *where, size_t len, const char *path)
{
	snprintf(where, len, "%s", *path ? path : "(root)");
	return -1;
}

static int contains_at(const cJSON *have, const cJSON *want, char *path,
		       char *where, size_t len);

static int contains_object(const cJSON *have, const cJSON *want, char *path,
			   char *where, size_t len)
{
	size_t end = strlen(path);
	const cJSON *w;

	if (!cJSON_IsObject(have))
		return differs(where, len, path);
	cJSON_ArrayForEach(w, want) {
		snprintf(path + end, JP_PATH_LEN - end, "%s%s",
			 end ? "." : "", w->string);
		if (contains_at(cJSON_GetObjectItemCaseSensitive(have,
								 w->string),
				w, path, where, len))
			return -1;
		path[end] = '\0';
	}
	return 0;
}

static int contains_array(const cJSON *have, const cJSON *want, char *path,
			  char *where, size_t len)
{
	size_t end = strlen(path);
	int i = 0;
	const cJSON *w;

	if (!cJSON_IsArray(have) ||
	    cJSON_GetArraySize(have) != cJSON_GetArraySize(want))
		return differs(where, len, path);
	cJSON_ArrayForEach(w, want) {
		snprintf(path + end, JP_PATH_LEN - end, "[%d]", i);
		if (contains_at(cJSON_GetArrayItem(have, i++), w, path, where,
				len))
			return -1;
		path[end] = '\0';
	}
	return 0;
}

static int contains_at(const cJSON *have, const cJSON *want, char *path,
		       char *where, size_t len)
{
	if (cJSON_IsObject(want))
		return contains_object(have, want, path, where, len);
	if (cJSON_IsArray(want))
		return contains_array(have, want, path, where, len);
	if (!have || !cJSON_Compare(have, want, true))
		return differs(where, len, path);
	return 0;
}

int pd_json_contains(const cJSON *have, const cJSON *want, char *where,
		     size_t len)
{
	char path[JP_PATH_LEN] = "";

	return contains_at(have, want, path, where, len);
}

int pd_wh_config_check(const cJSON *have, const cJSON *want, char *why,
		       size_t len)
{
	char where[JP_PATH_LEN];

	if (!pd_json_contains(have, want, where, sizeof(where)))
		return 0;
	snprintf(why, len, "%s differs", where);
	return -1;
}

/* ---- the Secret ------------------------------------------------------- */

static bool add_b64(cJSON *data, const char *key, const char *pem)
{
	char *b64 = pd_base64(pem);
	bool ok = b64 && cJSON_AddStringToObject(data, key, b64);

	free(b64);
	return ok;
}

/* The rotation phase as an annotation ({} when steady). */
static bool add_phase(cJSON *md, const struct pd_certs *c)
{
	cJSON *an = cJSON_AddObjectToObject(md, "annotations");
	char v[48];

	if (!an)
		return false;
	if (!c->phase[0])
		return true;
	snprintf(v, sizeof(v), "%s %lld", c->phase, c->phase_since);
	return cJSON_AddStringToObject(an, PD_ANN_CA_ROTATION, v) != NULL;
}

/* "publish 1800000000" into @out; anything else is no phase. */
static void parse_phase(const cJSON *secret, struct pd_certs *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(secret, "metadata"),
			"annotations"), PD_ANN_CA_ROTATION);
	char phase[16];
	long long since;

	if (!cJSON_IsString(v) ||
	    sscanf(v->valuestring, "%15s %lld", phase, &since) != 2 ||
	    (strcmp(phase, "publish") && strcmp(phase, "switch")))
		return;
	snprintf(out->phase, sizeof(out->phase), "%s", phase);
	out->phase_since = since;
}

char *pd_wh_secret_json(const char *name, const char *ns,
			const struct pd_certs *c, const char *rv)
{
	cJSON *s = cJSON_CreateObject(), *md, *lb, *data;
	char *out = NULL;
	bool ok;

	cJSON_AddStringToObject(s, "apiVersion", "v1");
	cJSON_AddStringToObject(s, "kind", "Secret");
	md = cJSON_AddObjectToObject(s, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", ns);
	if (rv)
		cJSON_AddStringToObject(md, "resourceVersion", rv);
	lb = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(lb, "app.kubernetes.io/managed-by",
				PD_WH_MANAGED_BY);
	ok = add_phase(md, c);
	cJSON_AddStringToObject(s, "type", "kubernetes.io/tls");
	data = cJSON_AddObjectToObject(s, "data");
	ok = ok && data && add_b64(data, "ca.crt", c->ca_crt) &&
	     add_b64(data, "tls.crt", c->tls_crt) &&
	     add_b64(data, "tls.key", c->tls_key) &&
	     (!c->ca_key || add_b64(data, "ca.key", c->ca_key));
	if (ok && cJSON_GetArraySize(md) == (rv ? 5 : 4))
		out = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	return out;
}

static int secret_field(const cJSON *data, const char *key, char **out,
			char *why, size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, key);

	*out = NULL;
	if (!cJSON_IsString(v))
		return 0;
	*out = unbase64(v->valuestring);
	if (!*out) {
		snprintf(why, len, "data.%s is not base64", key);
		return -EINVAL;
	}
	return 0;
}

int pd_wh_secret_parse(const cJSON *secret, struct pd_certs *out, char *why,
		       size_t len)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(secret, "data");
	int err;

	memset(out, 0, sizeof(*out));
	err = secret_field(data, "ca.crt", &out->ca_crt, why, len);
	err = err ?: secret_field(data, "tls.crt", &out->tls_crt, why, len);
	err = err ?: secret_field(data, "tls.key", &out->tls_key, why, len);
	err = err ?: secret_field(data, "ca.key", &out->ca_key, why, len);
	if (err)
		pd_certs_fini(out);
	else
		parse_phase(secret, out);
	return err;
}
