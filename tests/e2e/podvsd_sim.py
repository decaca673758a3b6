#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The Kubernetes controllers podvsd's readiness e2e tests need, played
against the fake API server (Python stdlib only).

  controller --dir FADIR --service NAME [--ns NS] [--port NAME:N:PROTO]...
          [--interval S]
      Forever, every S seconds (default 0.25): for every Pod labelled app=NAME, compute what
      kubelet and the EndpointSlice controller would: Ready = containers
      ready (ContainersReady=True) and every readiness gate's condition
      True; ready = Ready and not deleting, serving = Ready, terminating =
      deletionTimestamp set.  Write the Service's slices NAME-v4 and NAME-v6
      (the --port entries, default "http:8080:TCP") when they differ from
      the stored ones or are missing; while the Service does not exist,
      delete them (as the controller's garbage collection does).  Pods
      without podIPs are left out.
  pod --dir FADIR I [--app NAME] [--no-gate] [--pending] [--deleting]
      [--grace S] [--addr4 FMT --addr6 FMT]
      Create or update Pod "pod<I>" as kubelet reports it (labels app=NAME,
      default web), keeping the gate condition podvsd wrote; --pending:
      its containers are not ready yet (ContainersReady=False).
  ready --dir FADIR POD [--ns NS]
      Exit 0 if the Pod is Ready as above, else 1 (prints why).
  cond --dir FADIR POD [--ns NS]
      Print the Pod's podvs.io/backend-ready condition as
      "STATUS REASON" (or "none").
  rollout --dir FADIR --old 1,2,3 --new 4,5,6 --grace S [--no-gate]
          --end-cmd CMD --kill-cmd CMD
          [--addr4 FMT --addr6 FMT] [--app NAME] [--step-cmd CMD]
      The Deployment controller (and kubelet) of a rolling update, Pod I
      at FMT with "{i}" the decimal, "{x}" the hex number and "{q}" 4I+2
      (default 203.0.113.{q} and 2001:db8:1:{x}::2, tests/e2e/topo.sh's
      Pods; the fleet topology's are 10.1.0.2{i}, fd01::2{i}): for each
      (old, new) pair,
      create Pod "pod<new>" (with the gate unless --no-gate) and wait
      until it is Ready; then, with the gate: mark the old Pod deleting,
      after 1 s run END-CMD (its clients' long-lived flows close, as a
      preStop would tell them), wait out the grace period, run KILL-CMD
      (its processes die) and delete it.  Without: run KILL-CMD and delete
      it at once.  "{i}" in a command is the old Pod's number.  One log
      line per step on stdout.  STEP-CMD runs after each step (the old
      Pod deleted) and its exit status is ignored; "{n}" in it is the
      step's number, from 1.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fake-apiserver"))
from fake_apiserver import ctl_request  # noqa: E402

GATE = "podvs.io/backend-ready"
ADDR4 = "203.0.113.{q}"
ADDR6 = "2001:db8:1:{x}::2"


def pod_addr(fmt, i):
    return fmt.format(i=i, x="%x" % i, q=4 * i + 2)


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


def parse_port(s):
    name, num, proto = s.split(":")
    return {"name": name, "port": int(num), "protocol": proto}


def slices(pods, svc, ns, ports=None):
    out = []
    for fam in (4, 6):
        eps = [e for e in (endpoint(p, fam) for p in pods) if e]
        out.append({"kind": "EndpointSlice", "apiVersion":
                    "discovery.k8s.io/v1",
                    "metadata": {"name": "%s-v%d" % (svc, fam),
                                 "namespace": ns, "labels": {
                                     "kubernetes.io/service-name": svc}},
                    "addressType": "IPv%d" % fam,
                    "ports": ports or [parse_port("http:8080:TCP")],
                    "endpoints": eps})
    return out


def state_pods(d, svc, ns):
    return pods_of(ctl_request(d, "GET", "/fake/state"), svc, ns)


def pods_of(st, svc, ns):
    return sorted((p for p in st["objects"]["Pod"]
                   if p["metadata"]["namespace"] == ns and
                   (p["metadata"].get("labels") or {}).get("app") == svc),
                  key=lambda p: p["metadata"]["name"])


def stored_slices(st, svc, ns):
    """{name: (ports, endpoints)} of the Service's stored slices"""
    return {s["metadata"]["name"]: (s.get("ports"), s.get("endpoints"))
            for s in st["objects"].get("EndpointSlice", [])
            if s["metadata"]["namespace"] == ns and
            (s["metadata"].get("labels") or {}).get(
                "kubernetes.io/service-name") == svc}


def controller(args):
    ports = [parse_port(p) for p in args.port or ["http:8080:TCP"]]
    while True:
        st = ctl_request(args.dir, "GET", "/fake/state")
        have = stored_slices(st, args.service, args.ns)
        svc = [s for s in st["objects"]["Service"]
               if (s["metadata"]["namespace"], s["metadata"]["name"]) ==
               (args.ns, args.service)]
        if not svc:
            for name in have:
                ctl_request(args.dir, "DELETE", "/fake/objects/"
                            "EndpointSlice/%s/%s" % (args.ns, name))
        else:
            want = slices(pods_of(st, args.service, args.ns),
                          args.service, args.ns, ports)
            if any(have.get(w["metadata"]["name"]) !=
                   (w["ports"], w["endpoints"]) for w in want):
                ctl_request(args.dir, "POST", "/fake/objects",
                            {"kind": "List", "items": want})
        time.sleep(args.interval)


def find(args):
    st = ctl_request(args.dir, "GET", "/fake/state")
    for p in st["objects"]["Pod"]:
        if (p["metadata"]["namespace"], p["metadata"]["name"]) == \
                (args.ns, args.pod):
            return p
    sys.exit("no Pod %s/%s" % (args.ns, args.pod))


def put_pod(d, i, gate, grace, deleting=False, ns="default",
            addr4=ADDR4, addr6=ADDR6, app="web", pending=False):
    """Pod i as kubelet reports it, keeping the gate condition podvsd
    wrote."""
    old = [p for p in ctl_request(d, "GET", "/fake/state")["objects"]["Pod"]
           if p["metadata"]["name"] == "pod%d" % i]
    keep = [c for c in (conds(old[0]).values() if old else [])
            if c["type"] == GATE]
    md = {"name": "pod%d" % i, "namespace": ns, "labels": {"app": app}}
    if deleting:
        md["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        md["deletionGracePeriodSeconds"] = grace
    pod = {"kind": "Pod", "metadata": md,
           "spec": {"readinessGates": [{"conditionType": GATE}] if gate
                    else [], "terminationGracePeriodSeconds": grace},
           "status": {"phase": "Running", "podIP": pod_addr(addr4, i),
                      "podIPs": [{"ip": pod_addr(addr4, i)},
                                 {"ip": pod_addr(addr6, i)}],
                      "conditions": [{"type": "ContainersReady",
                                      "status": "False" if pending
                                      else "True"}] + keep}}
    ctl_request(d, "POST", "/fake/objects", pod)


def wait_ready(d, i, ns="default", limit=600):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        for p in ctl_request(d, "GET", "/fake/state")["objects"]["Pod"]:
            if p["metadata"]["name"] == "pod%d" % i and ready(p)[0]:
                return
        time.sleep(0.25)
    sys.exit("pod%d did not turn Ready in %d s" % (i, limit))


def say(msg):
    print("%.3f %s" % (time.time(), msg), flush=True)


def rollout(args):
    olds = [int(x) for x in args.old.split(",")]
    news = [int(x) for x in args.new.split(",")]
    for step, (old, new) in enumerate(zip(olds, news), 1):
        put_pod(args.dir, new, args.gate, args.grace,
                addr4=args.addr4, addr6=args.addr6, app=args.app)
        wait_ready(args.dir, new)
        say("pod%d Ready; replacing pod%d" % (new, old))
        if args.gate:
            put_pod(args.dir, old, True, args.grace, deleting=True,
                    addr4=args.addr4, addr6=args.addr6, app=args.app)
            time.sleep(1)
            subprocess.run(args.end_cmd.replace("{i}", str(old)), shell=True)
            time.sleep(args.grace - 1)
        subprocess.run(args.kill_cmd.replace("{i}", str(old)), shell=True)
        ctl_request(args.dir, "DELETE", "/fake/objects/Pod/default/pod%d"
                    % old)
        say("pod%d deleted" % old)
        if not args.gate:
            time.sleep(args.grace - 1)
        if args.step_cmd:
            subprocess.run(args.step_cmd.replace("{n}", str(step)),
                           shell=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("controller")
    c.add_argument("--service", required=True)
    c.add_argument("--port", action="append",
                   help="NAME:NUMBER:PROTOCOL of the slices (repeatable)")
    c.add_argument("--interval", type=float, default=0.25)
    pp = sub.add_parser("pod")
    pp.add_argument("i", type=int)
    pp.add_argument("--app", default="web")
    pp.add_argument("--no-gate", dest="gate", action="store_false")
    pp.add_argument("--pending", action="store_true")
    pp.add_argument("--deleting", action="store_true")
    pp.add_argument("--grace", type=int, default=30)
    r = sub.add_parser("rollout")
    r.add_argument("--old", required=True)
    r.add_argument("--new", required=True)
    r.add_argument("--grace", type=int, required=True)
    r.add_argument("--no-gate", dest="gate", action="store_false")
    r.add_argument("--end-cmd", default="true")
    r.add_argument("--kill-cmd", default="true")
    r.add_argument("--app", default="web")
    r.add_argument("--step-cmd")
    for p in (r, pp):
        p.add_argument("--addr4", default=ADDR4)
        p.add_argument("--addr6", default=ADDR6)
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
    elif args.cmd == "rollout":
        rollout(args)
    elif args.cmd == "pod":
        put_pod(args.dir, args.i, args.gate, args.grace, args.deleting,
                args.ns, args.addr4, args.addr6, args.app, args.pending)
    elif args.cmd == "ready":
        r, why = ready(find(args))
        print(why)
        sys.exit(0 if r else 1)
    else:
        c = conds(find(args)).get(GATE)
        print("%s %s" % (c["status"], c.get("reason", "-")) if c else "none")


if __name__ == "__main__":
    main()
