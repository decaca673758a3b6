#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The Kubernetes controllers podvsd's readiness e2e tests need, played
against the fake API server (Python stdlib only).

  controller --dir FADIR --service NAME [--ns NS]
      Forever, every 0.25 s: for every Pod labelled app=NAME, compute what
      kubelet and the EndpointSlice controller would: Ready = containers
      ready (ContainersReady=True) and every readiness gate's condition
      True; ready = Ready and not deleting, serving = Ready, terminating =
      deletionTimestamp set.  Write the Service's slices NAME-v4 and NAME-v6
      (port "http" 8080) when they change.  Pods without podIPs are left out.
  ready --dir FADIR POD [--ns NS]
      Exit 0 if the Pod is Ready as above, else 1 (prints why).
  cond --dir FADIR POD [--ns NS]
      Print the Pod's podvs.io/backend-ready condition as
      "STATUS REASON" (or "none").
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fake-apiserver"))
from fake_apiserver import ctl_request  # noqa: E402

GATE = "podvs.io/backend-ready"


def conds(pod):
    return {c["type"]: c for c in
            (pod.get("status") or {}).get("conditions") or []}


def ready(pod):
    """(Ready, why) as kubelet computes the Pod's Ready condition."""
    c = conds(pod)
    if (c.get("ContainersReady") or {}).get("status") != "True":
        return False, "containers not ready"
    for g in (pod.get("spec") or {}).get("readinessGates") or []:
        t = g["conditionType"]
        if (c.get(t) or {}).get("status") != "True":
            return False, "gate %s is not True" % t
    return True, "ready"


def endpoint(pod, fam):
    ips = [p["ip"] for p in (pod.get("status") or {}).get("podIPs") or []
           if (":" in p["ip"]) == (fam == 6)]
    if not ips:
        return None
    r, _ = ready(pod)
    deleting = "deletionTimestamp" in pod["metadata"]
    md = pod["metadata"]
    return {"addresses": ips[:1],
            "conditions": {"ready": r and not deleting, "serving": r,
                           "terminating": deleting},
            "targetRef": {"kind": "Pod", "namespace": md["namespace"],
                          "name": md["name"], "uid": md["uid"]}}


def slices(pods, svc, ns):
    out = []
    for fam in (4, 6):
        eps = [e for e in (endpoint(p, fam) for p in pods) if e]
        out.append({"kind": "EndpointSlice", "apiVersion":
                    "discovery.k8s.io/v1",
                    "metadata": {"name": "%s-v%d" % (svc, fam),
                                 "namespace": ns, "labels": {
                                     "kubernetes.io/service-name": svc}},
                    "addressType": "IPv%d" % fam,
                    "ports": [{"name": "http", "port": 8080,
                               "protocol": "TCP"}],
                    "endpoints": eps})
    return out


def state_pods(d, svc, ns):
    st = ctl_request(d, "GET", "/fake/state")
    return sorted((p for p in st["objects"]["Pod"]
                   if p["metadata"]["namespace"] == ns and
                   (p["metadata"].get("labels") or {}).get("app") == svc),
                  key=lambda p: p["metadata"]["name"])


def controller(args):
    last = None
    while True:
        want = slices(state_pods(args.dir, args.service, args.ns),
                      args.service, args.ns)
        key = json.dumps(want, sort_keys=True)
        if key != last:
            ctl_request(args.dir, "POST", "/fake/objects",
                        {"kind": "List", "items": want})
            last = key
        time.sleep(0.25)


def find(args):
    st = ctl_request(args.dir, "GET", "/fake/state")
    for p in st["objects"]["Pod"]:
        if (p["metadata"]["namespace"], p["metadata"]["name"]) == \
                (args.ns, args.pod):
            return p
    sys.exit("no Pod %s/%s" % (args.ns, args.pod))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("controller")
    c.add_argument("--service", required=True)
    for name in ("ready", "cond"):
        p = sub.add_parser(name)
        p.add_argument("pod")
    for p in sub.choices.values():
        p.add_argument("--dir", required=True)
        p.add_argument("--ns", default="default")
    args = ap.parse_args()
    args.dir = os.path.abspath(args.dir)
    if args.cmd == "controller":
        controller(args)
    elif args.cmd == "ready":
        r, why = ready(find(args))
        print(why)
        sys.exit(0 if r else 1)
    else:
        c = conds(find(args)).get(GATE)
        print("%s %s" % (c["status"], c.get("reason", "-")) if c else "none")


if __name__ == "__main__":
    main()
