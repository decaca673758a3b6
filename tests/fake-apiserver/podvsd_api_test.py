#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""podvsd's API client against the fake API server over HTTP/2, on the
host (tests/run-all unit runs it after building podvsd):

  podvsd_api_test.py --podvsd PATH

podvsd runs with --dry-run --no-vip-link (the in-memory kernel, nothing
of the host touched) against `fake_apiserver.py serve --http2` (nghttpx
in front) on the loopback, with its defaults otherwise.  Checked: the
API answers come over HTTP/2 and the /livez probe is answered on that
connection; a gate PATCH refused with 429 and Retry-After is resent no
sooner than Retry-After says (podvsd's own backoff starts at 1 s), and
written once the throttling ends.  Prints TAP and a closing
"N passed, N failed" line.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest import Fake, wait  # noqa: E402

GATE = "podvs.io/backend-ready"
RETRY_AFTER = 3
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Podvsd:
    def __init__(self, binary, fake):
        self.port = free_port()
        self.log = fake.path("podvsd.log")
        self.proc = subprocess.Popen(
            [binary, "--kubeconfig", fake.path("kubeconfig"), "--dry-run",
             "--no-vip-link", "--node-name", "gw1",
             "--metrics-address", "127.0.0.1:%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.log, "w"),
            env=dict(os.environ, POD_NAMESPACE="kube-system",
                     POD_NAME="podvsd-gw1"))

    def metrics(self):
        if self.proc.poll() is not None:
            raise AssertionError("podvsd exited %d: %s" % (
                self.proc.returncode, open(self.log).read()[-2000:]))
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" %
                                        self.port, timeout=5) as r:
                text = r.read().decode()
        except OSError:
            return {}
        return dict(line.rsplit(" ", 1) for line in text.splitlines()
                    if line and not line.startswith("#"))

    def metric(self, name):
        return float(self.metrics().get(name, "nan"))

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def with_podvsd(fn):
    def run(binary):
        fake = Fake("--http2")
        pd = None
        try:
            pd = Podvsd(binary, fake)
            fn(fake, pd)
        except AssertionError as e:
            log = open(fake.path("podvsd.log")).read() if pd else ""
            raise AssertionError("%s\npodvsd log (end):\n%s" % (
                e, log[-1500:]))
        finally:
            if pd:
                pd.close()
            fake.close()
    run.__name__ = fn.__name__
    return run


@test
@with_podvsd
def http2_and_livez(fake, pd):
    """podvsd's answers come over HTTP/2; /livez answered on it"""
    assert wait(lambda: pd.metric("podvsd_api_http_version") == 20, 30), \
        "podvsd_api_http_version %s" % pd.metric("podvsd_api_http_version")
    assert 'msg="API server answered" http_version=2' in open(pd.log).read()
    # one probe every 10 s (PD_HTTP_PROBE_MS)
    assert wait(lambda: pd.metric("podvsd_api_probes_total") >= 1, 30)
    assert wait(lambda: fake.ctl("state")["requests"].get("GET /livez", 0)
                >= 1, 10), "no /livez reached the server"
    assert pd.metric("podvsd_api_probe_failures_total") == 0
    assert pd.metric("podvsd_api_connection_resets_total") == 0


def gated_service(fake):
    fake.apply({"kind": "List", "items": [
        {"kind": "Service", "metadata": {
            "name": "s", "namespace": "default",
            # the Pod address exists nowhere: nothing to check
            "annotations": {"podvs.io/health-check": "none"}},
         "spec": {"type": "LoadBalancer",
                  "loadBalancerClass": "podvs.io/direct",
                  "ports": [{"name": "http", "port": 80,
                             "targetPort": 8080}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}},
        {"kind": "EndpointSlice", "metadata": {
            "name": "s-x", "namespace": "default",
            "labels": {"kubernetes.io/service-name": "s"}},
         "addressType": "IPv4",
         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
         "endpoints": [{"addresses": ["198.51.100.7"],
                        "conditions": {"ready": False, "serving": False},
                        "targetRef": {"kind": "Pod", "namespace": "default",
                                      "name": "p1"}}]}]})


def gated_pod(fake):
    fake.apply({"kind": "Pod",
                "metadata": {"name": "p1", "namespace": "default"},
                "spec": {"readinessGates": [{"conditionType": GATE}]},
                "status": {"podIP": "198.51.100.7",
                           "podIPs": [{"ip": "198.51.100.7"}],
                           "conditions": [{"type": "ContainersReady",
                                           "status": "True"}]}})


def p1_patches(fake):
    return [e for e in fake.ctl("log")["log"]
            if e["path"] == "/api/v1/namespaces/default/pods/p1/status"]


@test
@with_podvsd
def gate_patch_waits_retry_after(fake, pd):
    """429 + Retry-After on the gate PATCH: resent no sooner; then True"""
    gated_service(fake)
    fake.ctl("throttle", str(RETRY_AFTER), "/status")
    assert wait(lambda: pd.metric("podvsd_is_leader") == 1, 30), \
        "podvsd did not become leader"
    gated_pod(fake)
    assert wait(lambda: len(p1_patches(fake)) >= 3, 60), \
        "PATCHes of p1: %s" % p1_patches(fake)
    fake.ctl("throttle", "off")
    assert wait(lambda: any(e.get("code") == 200
                            for e in p1_patches(fake)), 30), \
        "the gate was not written after the throttling"
    log = p1_patches(fake)
    refused = [e["time"] for e in log if e.get("code") == 429]
    gaps = [b - a for a, b in zip(refused, refused[1:])]
    assert len(refused) >= 3 and min(gaps) >= RETRY_AFTER, \
        "429s at %s: gaps %s < Retry-After %d" % (refused, gaps,
                                                   RETRY_AFTER)
    done = [e for e in log if e.get("code") == 200][0]
    cond = done["body"]["status"]["conditions"][0]
    assert (cond["type"], cond["status"]) == (GATE, "True"), cond
    assert done["body"]["metadata"]["uid"], done["body"]
    assert pd.metric("podvsd_gate_patch_throttled_total") >= 3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--podvsd", required=True)
    a = ap.parse_args()
    print("1..%d" % len(TESTS))
    failed = 0
    for n, fn in enumerate(TESTS, 1):
        try:
            fn(a.podvsd)
            print("ok %d - %s" % (n, fn.__name__))
        except Exception as e:      # a crash is a failure too
            failed += 1
            print("not ok %d - %s" % (n, fn.__name__))
            for line in str(e).splitlines() or [type(e).__name__]:
                print("# %s" % line)
        sys.stdout.flush()
    print("%d passed, %d failed" % (len(TESTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
