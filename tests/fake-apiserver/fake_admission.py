# SPDX-License-Identifier: GPL-2.0
"""Mutating admission for the fake API server (Python 3 stdlib only).

On a Pod CREATE, fake_apiserver.py calls admit() the way the real API
server calls its webhooks: for every MutatingWebhookConfiguration webhook
whose rules (operations, apiGroups, resources) and namespaceSelector /
objectSelector (matchLabels only) match, it POSTs an admission.k8s.io/v1
AdmissionReview over HTTPS to clientConfig.url, or to clientConfig.service
(the Service's spec.clusterIP and the targetPort of the port named by
service.port, default 443; TLS server name NAME.NAMESPACE.svc), verifying
the server against caBundle, with timeoutSeconds (default 10).  A JSONPatch
response is applied; allowed: false rejects the Pod.  An error (refused,
TLS, timeout, non-200, malformed answer, bad patch) rejects the Pod only
with failurePolicy Fail (the default); with Ignore the Pod is created
unchanged.  Every call is recorded in Store.admissions for /fake/state.
"""

import base64
import http.client
import json
import socket
import ssl
import urllib.parse
import uuid


class Rejected(Exception):
    """The Pod must not be created: (code, reason, message)."""


def _matches(sel, labels):
    return all(labels.get(k) == v
               for k, v in ((sel or {}).get("matchLabels") or {}).items())


def _rule_matches(rules):
    for r in rules or []:
        if (set(r.get("operations", [])) & {"CREATE", "*"} and
                set(r.get("apiGroups", [])) & {"", "*"} and
                set(r.get("resources", [])) & {"pods", "*"}):
            return True
    return False


def _target(store, cc):
    """-> (host, port, path, server_hostname)"""
    if cc.get("url"):
        u = urllib.parse.urlsplit(cc["url"])
        return u.hostname, u.port or 443, u.path or "/", u.hostname
    ref = cc["service"]
    ns, name = ref["namespace"], ref["name"]
    want = ref.get("port", 443)
    with store.lock:
        svc = store.objects["Service"].get((ns, name))
    if svc is None:
        raise OSError('service "%s/%s" not found' % (ns, name))
    spec = svc.get("spec", {})
    for p in spec.get("ports", []):
        if p.get("port") == want:
            tp = p.get("targetPort", want)
            port = tp if isinstance(tp, int) else want
            break
    else:
        raise OSError("service %s/%s has no port %d" % (ns, name, want))
    return (spec.get("clusterIP"), port, ref.get("path") or "/",
            "%s.%s.svc" % (name, ns))


def _call(store, hook, review):
    host, port, path, sni = _target(store, hook["clientConfig"])
    ca = base64.b64decode(hook["clientConfig"].get("caBundle") or "")
    ctx = ssl.create_default_context(cadata=ca.decode() if ca else None)
    timeout = hook.get("timeoutSeconds", 10)
    raw = socket.create_connection((host, port), timeout=timeout)
    tls = ctx.wrap_socket(raw, server_hostname=sni)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.sock = tls
    try:
        conn.request("POST", path, body=json.dumps(review).encode(),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    if r.status != 200:
        raise OSError("HTTP %d: %s" % (r.status, body[:200]))
    return json.loads(body)


def _pointer(doc, path):
    """Parent container and last token of a JSON pointer."""
    toks = [t.replace("~1", "/").replace("~0", "~")
            for t in path.split("/")[1:]]
    for t in toks[:-1]:
        doc = doc[int(t)] if isinstance(doc, list) else doc[t]
    return doc, toks[-1]


def json_patch(doc, ops):
    """RFC 6902 add / remove / replace (what webhooks use)."""
    for op in ops:
        parent, last = _pointer(doc, op["path"])
        kind = op["op"]
        if isinstance(parent, list):
            i = len(parent) if last == "-" else int(last)
            if kind == "add":
                parent.insert(i, op["value"])
            elif kind == "remove":
                del parent[i]
            elif kind == "replace":
                parent[i] = op["value"]
            else:
                raise ValueError("unsupported op %r" % kind)
        elif kind in ("add", "replace"):
            if kind == "replace" and last not in parent:
                raise KeyError(op["path"])
            parent[last] = op["value"]
        elif kind == "remove":
            del parent[last]
        else:
            raise ValueError("unsupported op %r" % kind)
    return doc


def _review(pod, ns):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {
                "uid": str(uuid.uuid4()),
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1",
                             "resource": "pods"},
                "operation": "CREATE", "namespace": ns,
                "name": pod.get("metadata", {}).get("name", ""),
                "object": pod, "userInfo": {"username": "fake"},
                "dryRun": False}}


def _one(store, hook, pod, ns):
    """Apply one webhook to @pod; returns (pod, outcome)."""
    review = _review(pod, ns)
    resp = _call(store, hook, review).get("response") or {}
    if resp.get("uid") != review["request"]["uid"]:
        raise ValueError("response.uid does not match the request")
    if not resp.get("allowed"):
        msg = (resp.get("status") or {}).get("message", "denied")
        raise Rejected(403, "Forbidden", 'admission webhook "%s" denied '
                       "the request: %s" % (hook["name"], msg))
    if not resp.get("patch"):
        return pod, "unchanged"
    if resp.get("patchType") != "JSONPatch":
        raise ValueError("patchType %r" % resp.get("patchType"))
    ops = json.loads(base64.b64decode(resp["patch"]))
    return json_patch(json.loads(json.dumps(pod)), ops), "patched"


def _hooks(store, ns, pod):
    with store.lock:
        cfgs = [json.loads(json.dumps(c)) for _, c in
                sorted(store.objects["MutatingWebhookConfiguration"].items())]
        nso = store.objects["Namespace"].get(("", ns)) or {}
    ns_labels = nso.get("metadata", {}).get("labels") or {}
    pod_labels = pod.get("metadata", {}).get("labels") or {}
    for c in cfgs:
        for h in c.get("webhooks") or []:
            if (_rule_matches(h.get("rules")) and
                    _matches(h.get("namespaceSelector"), ns_labels) and
                    _matches(h.get("objectSelector"), pod_labels)):
                yield h


def admit(store, pod):
    """Run the mutating webhooks on a Pod to be created (lock NOT held).
    Returns the Pod to store; raises Rejected."""
    md = pod.setdefault("metadata", {})
    ns = md.get("namespace", "default")
    for h in _hooks(store, ns, pod):
        try:
            pod, outcome = _one(store, h, pod, ns)
        except Rejected:
            raise
        except Exception as e:  # noqa: BLE001 - any failure of the call
            outcome = "error: %s: %s" % (type(e).__name__, e)
            if h.get("failurePolicy", "Fail") != "Ignore":
                raise Rejected(500, "InternalError", 'Internal error '
                               'occurred: failed calling webhook "%s": %s'
                               % (h["name"], outcome))
        with store.lock:
            store.admissions.append({"webhook": h["name"], "namespace": ns,
                                     "pod": md.get("name", ""),
                                     "outcome": outcome})
    return pod
