// SPDX-License-Identifier: GPL-2.0
/* AdmissionReview in, readiness gate JSON Patch out. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>

#include "webhook/admission.h"

/* jp_type_name(), with "nothing" for an absent field. */
static const char *type_of(const cJSON *v)
{
	return v ? jp_type_name(v) : "nothing";
}

bool pd_selector_match(const struct k8s_kv *sel, size_t nsel,
		       const struct k8s_kv *labels, size_t n)
{
	if (!nsel)
		return false;
	for (size_t i = 0; i < nsel; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (!strcmp(sel[i].key, labels[j].key))
				break;
		if (j == n || strcmp(sel[i].val, labels[j].val))
			return false;
	}
	return true;
}

static bool has_gate(const cJSON *gates)
{
	const cJSON *g;

	cJSON_ArrayForEach(g, gates) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(g,
								 "conditionType");

		if (cJSON_IsString(t) && !strcmp(t->valuestring,
						 PD_GATE_CONDITION))
			return true;
	}
	return false;
}

static cJSON *gate_object(void)
{
	cJSON *g = cJSON_CreateObject();

	if (g && !cJSON_AddStringToObject(g, "conditionType",
					  PD_GATE_CONDITION)) {
		cJSON_Delete(g);
		return NULL;
	}
	return g;
}

/* [{"op": "add", "path": @path, "value": @value}]; takes @value. */
static cJSON *add_op(const char *path, cJSON *value)
{
	cJSON *patch = cJSON_CreateArray(), *op = cJSON_CreateObject();

	if (!patch || !op || !value ||
	    !cJSON_AddStringToObject(op, "op", "add") ||
	    !cJSON_AddStringToObject(op, "path", path)) {
		cJSON_Delete(patch);
		cJSON_Delete(op);
		cJSON_Delete(value);
		return NULL;
	}
	cJSON_AddItemToObject(op, "value", value);
	cJSON_AddItemToArray(patch, op);
	return patch;
}

int pd_gate_patch(const cJSON *pod, cJSON **out, char *err, size_t errlen)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(spec,
							      "readinessGates");
	cJSON *list;

	*out = NULL;
	if (!cJSON_IsObject(spec)) {
		snprintf(err, errlen, "spec: expected object, got %s",
			 type_of(spec));
		return -EINVAL;
	}
	if (gates && !cJSON_IsNull(gates) && !cJSON_IsArray(gates)) {
		snprintf(err, errlen, "spec.readinessGates: expected array, "
			 "got %s", jp_type_name(gates));
		return -EINVAL;
	}
	if (has_gate(gates))
		return 0;
	if (cJSON_GetArraySize(gates)) {
		*out = add_op("/spec/readinessGates/-", gate_object());
		return *out ? 0 : -ENOMEM;
	}
	/* absent, null or empty: one add sets the whole list */
	list = cJSON_CreateArray();
	if (list)
		cJSON_AddItemToArray(list, gate_object());
	if (list && !cJSON_GetArraySize(list)) {
		cJSON_Delete(list);
		list = NULL;
	}
	*out = add_op("/spec/readinessGates", list);
	return *out ? 0 : -ENOMEM;
}

/* ---- the response ----------------------------------------------------- */

static void set_why(struct pd_admit_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_why(struct pd_admit_out *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

/* 400 with @out->why as the text body. */
static int bad_request(struct pd_admit_out *out)
{
	out->status = 400;
	out->verdict = PD_ADMIT_BAD_REQUEST;
	out->content_type = "text/plain; charset=utf-8";
	if (asprintf(&out->body, "podvs admission webhook: %s\n",
		     out->why) < 0) {
		out->body = NULL;
		return -ENOMEM;
	}
	out->len = strlen(out->body);
	return 0;
}

static int add_patch(cJSON *resp, const cJSON *patch)
{
	char *json = cJSON_PrintUnformatted(patch);
	gnutls_datum_t in, b64 = { NULL, 0 };
	cJSON *s = NULL;

	if (!json)
		return -ENOMEM;
	in.data = (unsigned char *)json;
	in.size = strlen(json);
	if (!gnutls_base64_encode2(&in, &b64)) {
		char *str = strndup((char *)b64.data, b64.size);

		s = str ? cJSON_CreateString(str) : NULL;
		free(str);
		gnutls_free(b64.data);
	}
	free(json);
	if (!s || !cJSON_AddStringToObject(resp, "patchType", "JSONPatch")) {
		cJSON_Delete(s);
		return -ENOMEM;
	}
	cJSON_AddItemToObject(resp, "patch", s);
	return 0;
}

static int add_warning(cJSON *resp, const char *why)
{
	cJSON *w = cJSON_AddArrayToObject(resp, "warnings");
	char msg[300];
	cJSON *s;

	snprintf(msg, sizeof(msg), "podvs: %s; admitted without the "
		 "readiness gate", why);
	s = w ? cJSON_CreateString(msg) : NULL;
	if (!s)
		return -ENOMEM;
	cJSON_AddItemToArray(w, s);
	return 0;
}

/* 200 with an AdmissionReview: allowed, and @patch if any. */
static int review(struct pd_admit_out *out, const cJSON *patch)
{
	cJSON *root = cJSON_CreateObject(), *resp;
	int err = -ENOMEM;

	resp = root ? cJSON_AddObjectToObject(root, "response") : NULL;
	if (!resp || !cJSON_AddStringToObject(root, "apiVersion",
					      PD_ADMISSION_VERSION) ||
	    !cJSON_AddStringToObject(root, "kind", "AdmissionReview") ||
	    !cJSON_AddStringToObject(resp, "uid", out->uid) ||
	    !cJSON_AddTrueToObject(resp, "allowed"))
		goto out_free;
	err = patch ? add_patch(resp, patch) : 0;
	if (!err && out->verdict == PD_ADMIT_WARNED)
		err = add_warning(resp, out->why);
	if (err)
		goto out_free;
	out->body = cJSON_PrintUnformatted(root);
	err = out->body ? 0 : -ENOMEM;
	out->len = out->body ? strlen(out->body) : 0;
	out->status = 200;
	out->content_type = "application/json";
out_free:
	cJSON_Delete(root);
	return err;
}

/* ---- the request ------------------------------------------------------ */

static const char *str_item(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The envelope: -EINVAL with @out->why when it is not a v1 review. */
static int check_envelope(const cJSON *root, struct pd_admit_out *out,
			  const cJSON **req)
{
	const char *ver = str_item(root, "apiVersion");
	const char *kind = str_item(root, "kind");
	const char *uid;

	if (!cJSON_IsObject(root)) {
		set_why(out, "expected an AdmissionReview object, got %s",
			type_of(root));
		return -EINVAL;
	}
	if (!ver || strcmp(ver, PD_ADMISSION_VERSION)) {
		set_why(out, "apiVersion: '%.64s' is not supported (only "
			PD_ADMISSION_VERSION ")", ver ? ver : "(missing)");
		return -EINVAL;
	}
	if (!kind || strcmp(kind, "AdmissionReview")) {
		set_why(out, "kind: '%.64s' is not AdmissionReview",
			kind ? kind : "(missing)");
		return -EINVAL;
	}
	*req = cJSON_GetObjectItemCaseSensitive(root, "request");
	if (!cJSON_IsObject(*req)) {
		set_why(out, "request: expected object, got %s",
			type_of(*req));
		return -EINVAL;
	}
	uid = str_item(*req, "uid");
	if (!uid || !*uid || strlen(uid) >= sizeof(out->uid)) {
		set_why(out, "request.uid: missing, empty or too long");
		return -EINVAL;
	}
	strcpy(out->uid, uid);
	return 0;
}

/* Is this a Pod CREATE?  UNCHANGED or WARNED with a reason if not. */
static enum pd_admit_verdict check_pod(const cJSON *req, const char **ns,
				       const cJSON **pod,
				       struct pd_admit_out *out)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(req, "kind");
	const char *k = str_item(kind, "kind"), *g = str_item(kind, "group");
	const char *op = str_item(req, "operation");

	if (!k || strcmp(k, "Pod") || (g && *g)) {
		set_why(out, "request.kind: '%.64s' is not a core/v1 Pod",
			k ? k : "(missing)");
		return PD_ADMIT_WARNED;
	}
	if (!op || strcmp(op, "CREATE")) {
		set_why(out, "operation %.32s: only CREATE gets the gate",
			op ? op : "(missing)");
		return PD_ADMIT_UNCHANGED;
	}
	*pod = cJSON_GetObjectItemCaseSensitive(req, "object");
	if (!cJSON_IsObject(*pod)) {
		set_why(out, "request.object: expected object, got %s",
			type_of(*pod));
		return PD_ADMIT_WARNED;
	}
	*ns = str_item(req, "namespace");
	if (!*ns || !**ns) {
		set_why(out, "request.namespace: missing");
		return PD_ADMIT_WARNED;
	}
	return PD_ADMIT_PATCHED;
}

/* Labels of the Pod; WARNED when they are malformed. */
static enum pd_admit_verdict pod_labels(struct jp *jp, const cJSON *pod,
					struct k8s_kv **kv, size_t *n,
					struct pd_admit_out *out)
{
	const cJSON *md;
	char err[200];
	int ret;

	jp->err = err;
	jp->errlen = sizeof(err);
	ret = jp_obj(jp, pod, "request.object", "metadata", false, &md);
	ret = ret ?: jp_str_map(jp, md, "request.object.metadata", "labels",
				kv, n);
	if (ret == -ENOMEM)
		return PD_ADMIT_BAD_REQUEST;
	if (ret) {
		set_why(out, "%s", err);
		return PD_ADMIT_WARNED;
	}
	return PD_ADMIT_PATCHED;
}

/* The decision for a Pod CREATE; the patch in *patch if one is due. */
static enum pd_admit_verdict decide_pod(const cJSON *pod, const char *ns,
					const struct pd_admit_view *v,
					cJSON **patch, struct pd_admit_out *out)
{
	struct pd_arena arena = { 0 };
	struct jp jp = { .arena = &arena };
	enum pd_admit_verdict r;
	struct k8s_kv *labels;
	const char *svc;
	char err[200];
	size_t n;
	int ret;

	r = pod_labels(&jp, pod, &labels, &n, out);
	if (r != PD_ADMIT_PATCHED)
		goto out;
	r = PD_ADMIT_UNCHANGED;
	if (!v->ns_enabled(v->ctx, ns)) {
		set_why(out, "namespace %.64s is not labelled "
			PD_NS_INJECT_LABEL "=" PD_NS_INJECT_VALUE, ns);
		goto out;
	}
	svc = v->service_for(v->ctx, ns, labels, n);
	if (!svc) {
		set_why(out, "no podvs Service of %.64s selects the Pod", ns);
		goto out;
	}
	ret = pd_gate_patch(pod, patch, err, sizeof(err));
	if (ret == -ENOMEM) {
		r = PD_ADMIT_BAD_REQUEST;	/* pd_admit: -ENOMEM */
	} else if (ret) {
		set_why(out, "%s", err);
		r = PD_ADMIT_WARNED;
	} else if (!*patch) {
		set_why(out, "service %.64s/%.64s: the gate is present", ns,
			svc);
	} else {
		set_why(out, "service %.64s/%.64s: gate added", ns, svc);
		r = PD_ADMIT_PATCHED;
	}
out:
	pd_arena_free(&arena);
	return r;
}

int pd_admit(const char *body, size_t len, const struct pd_admit_view *v,
	     struct pd_admit_out *out)
{
	cJSON *root = cJSON_ParseWithLength(body, len), *patch = NULL;
	const cJSON *req, *pod = NULL;
	const char *ns = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if (!root) {
		set_why(out, "the request body is not valid JSON");
		return bad_request(out);
	}
	if (check_envelope(root, out, &req)) {
		err = bad_request(out);
		goto out_free;
	}
	out->verdict = check_pod(req, &ns, &pod, out);
	if (out->verdict == PD_ADMIT_PATCHED)
		out->verdict = decide_pod(pod, ns, v, &patch, out);
	err = out->verdict == PD_ADMIT_BAD_REQUEST ? -ENOMEM :
	      review(out, patch);
out_free:
	cJSON_Delete(patch);
	cJSON_Delete(root);
	if (err)
		pd_admit_out_fini(out);
	return err;
}

void pd_admit_out_fini(struct pd_admit_out *out)
{
	free(out->body);
	out->body = NULL;
	out->len = 0;
}
