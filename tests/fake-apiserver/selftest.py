#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The fake API server's own tests, on the host's loopback (tests/run-all
unit runs them): what the podvsd e2e scenarios rely on it to do as a real
API server would.  Each test starts `fake_apiserver.py serve` in a
temporary directory, direct (HTTP/1.1) or --http2 (nghttpx in front),
and talks to it with the standard library only.  Prints TAP, then a
closing "N passed, N failed" line; exit status 1 when one failed.
"""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FA = os.path.join(HERE, "fake_apiserver.py")
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Fake:
    """One fake API server process in its own directory."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="fake-apiserver-test.")
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, FA, "serve", "--dir", self.dir] + list(args),
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        end = time.monotonic() + 30
        while not os.path.exists(self.path("port")):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise AssertionError("serve did not start: " +
                                     open(self.path("serve.log")).read())
            time.sleep(0.05)
        self.port = int(open(self.path("port")).read())
        self.token = open(self.path("token")).read().strip()

    def path(self, name):
        return os.path.join(self.dir, name)

    def tls(self, alpn=("http/1.1",)):
        ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        ctx.set_alpn_protocols(list(alpn))
        return ctx

    def conn(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port,
                                           context=self.tls(), timeout=10)

    def request(self, method, path, body=None, headers=None, conn=None,
                token=True):
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        c = conn or self.conn()
        c.request(method, path, body=json.dumps(body).encode()
                  if body is not None else None, headers=h)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r.status, dict(r.getheaders()), data

    def ctl(self, *args):
        out = subprocess.run([sys.executable, FA, "ctl", "--dir", self.dir]
                             + list(args), capture_output=True, text=True)
        if out.returncode:
            raise AssertionError("ctl %s: %s" % (args, out.stderr))
        return json.loads(out.stdout)

    def apply(self, obj):
        p = subprocess.run([sys.executable, FA, "ctl", "--dir", self.dir,
                            "apply", "-"], input=json.dumps(obj),
                           capture_output=True, text=True, check=True)
        return json.loads(p.stdout)["items"][0]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def both_modes(fn):
    """Run fn(fake) against the direct and the --http2 server."""
    def run():
        for args in ((), ("--http2",)):
            f = Fake(*args)
            try:
                fn(f)
            except AssertionError as e:
                raise AssertionError("%s: %s" % (" ".join(args) or "direct",
                                                 e))
            finally:
                f.close()
    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def pod(name="p1"):
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "status": {"phase": "Running"}}


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait(cond, s=10):
    end = time.monotonic() + s
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


@test
def alpn_offers_h2_and_http11():
    """--http2: TLS on the advertised port, ALPN h2 or http/1.1"""
    f = Fake("--http2")
    try:
        for offer, want in ((["h2", "http/1.1"], "h2"),
                            (["http/1.1"], "http/1.1")):
            c = http.client.HTTPSConnection("127.0.0.1", f.port,
                                            context=f.tls(offer))
            c.connect()
            got = c.sock.selected_alpn_protocol()
            c.close()
            assert got == want, "offered %s, got %s" % (offer, got)
        assert int(open(f.path("backend-port")).read()) != f.port
    finally:
        f.close()


@test
@both_modes
def livez_public_but_bad_token_401(f):
    """/livez: 200 ok without a token, 401 with a bad one"""
    st, _, body = f.request("GET", "/livez", token=False)
    assert (st, body) == (200, b"ok"), (st, body)
    st, _, _ = f.request("GET", "/livez", token=False,
                         headers={"Authorization": "Bearer wrong"})
    assert st == 401, st


@test
@both_modes
def patch_uid_precondition(f):
    """PATCH with another metadata.uid: 409 Conflict Status, unchanged"""
    uid = f.apply(pod())["metadata"]["uid"]
    path = "/api/v1/namespaces/default/pods/p1/status"
    ct = {"Content-Type": "application/strategic-merge-patch+json"}
    cond = {"status": {"conditions": [{"type": "X", "status": "True"}]}}
    st, _, body = f.request("PATCH", path, dict(cond, metadata={
        "uid": "not-" + uid}), ct)
    s = json.loads(body)
    assert st == 409 and s["reason"] == "Conflict" and s["code"] == 409, s
    assert "Precondition failed: UID in precondition: not-" in s["message"]
    assert s["details"] == {"name": "p1", "kind": "pods"}, s
    st, _, body = f.request("PATCH", path, dict(cond, metadata={
        "uid": uid}), ct)
    assert st == 200, (st, body)
    assert json.loads(body)["status"]["conditions"][0]["type"] == "X"


@test
@both_modes
def throttle_writes_429(f):
    """throttle: writes 429 + Retry-After, reads pass, a kept-alive
    connection goes on after a refused body, off ends it"""
    f.apply(pod())
    path = "/api/v1/namespaces/default/pods/p1/status"
    ct = {"Content-Type": "application/merge-patch+json"}
    f.ctl("throttle", "4", "/status")
    c = f.conn()
    st, h, body = f.request("PATCH", path, {"status": {}}, ct, conn=c)
    s = json.loads(body)
    h = {k.lower(): v for k, v in h.items()}
    assert st == 429 and h.get("retry-after") == "4", (st, h)
    assert s["reason"] == "TooManyRequests", s
    assert s["details"]["retryAfterSeconds"] == 4, s
    st, _, _ = f.request("GET", "/api/v1/pods", conn=c)
    assert st == 200, "GET after a refused PATCH on that connection: %d" % st
    c.close()
    f.ctl("throttle", "off")
    st, _, _ = f.request("PATCH", path, {"status": {}}, ct)
    assert st == 200, st
    codes = [e.get("code") for e in f.ctl("log")["log"]]
    assert codes == [429, 200], codes


@test
def throttle_bad_arguments():
    """ctl throttle: a precise error for a bad count"""
    f = Fake()
    try:
        p = subprocess.run([sys.executable, FA, "ctl", "--dir", f.dir,
                            "throttle", "0"], capture_output=True, text=True)
        assert p.returncode and "SECONDS >= 1" in p.stderr, p.stderr
    finally:
        f.close()


@test
def watch_streams_through_nghttpx():
    """--http2: a watch event arrives while the stream stays open"""
    f = Fake("--http2")
    try:
        c = f.conn()
        c.request("GET", "/api/v1/pods?watch=1&timeoutSeconds=30",
                  headers={"Authorization": "Bearer " + f.token})
        r = c.getresponse()
        assert r.status == 200, r.status
        f.apply(pod("w1"))
        c.sock.settimeout(10)
        ev = json.loads(r.readline())
        assert ev["type"] == "ADDED", ev
        assert ev["object"]["metadata"]["name"] == "w1", ev
        c.close()
    finally:
        f.close()


@test
def nghttpx_dies_with_the_server():
    """--http2: kill -9 of the server takes nghttpx along"""
    f = Fake("--http2")
    try:
        pid = int(open(f.path("nghttpx.pid")).read())
        assert alive(pid)
        f.proc.send_signal(signal.SIGKILL)
        f.proc.wait()
        assert wait(lambda: not alive(pid)), "nghttpx %d outlived" % pid
    finally:
        f.close()


@test
def server_exits_when_nghttpx_dies():
    """--http2: nghttpx gone, the server exits 1"""
    f = Fake("--http2")
    try:
        os.kill(int(open(f.path("nghttpx.pid")).read()), signal.SIGKILL)
        assert wait(lambda: f.proc.poll() is not None), "server still up"
        assert f.proc.returncode == 1, f.proc.returncode
    finally:
        f.close()


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    for n, fn in enumerate(TESTS, 1):
        try:
            fn()
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
