# SPDX-License-Identifier: GPL-2.0
"""nghttpx as the fake API server's HTTP/2 front end (fake_apiserver.py
serve --http2).

A real API server speaks HTTP/2 over TLS (ALPN h2, with http/1.1 as the
fallback) and multiplexes every request of a client, long watches
included, on one connection.  The fake server itself is HTTP/1.1 only,
so in this mode it listens in plain HTTP on a loopback port and nghttpx
(Debian's nghttp2-proxy) terminates TLS on the advertised address with
the fake's own certificate and forwards each stream to it over
HTTP/1.1.  Streamed bodies (chunked watch responses) pass through as
they arrive; a backend connection cut mid-chunk (the drop_watches fault)
becomes a reset of that one stream, as a real server's stream error.

Lifetime: nghttpx runs as one process (--single-process) whose parent
death signal is SIGKILL, so it can never outlive the server that started
it, even when that one is killed with SIGKILL; start() returns only once
it accepts connections, and the server exits when it dies (watch()).
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time

NGHTTPX = "/usr/sbin/nghttpx"
PR_SET_PDEATHSIG = 1

# Timeouts, all explicit (nghttpx's defaults suit a web proxy, not a
# watch server).  A watch may stay open for its timeoutSeconds (podvsd asks
# 300-600 s, the fake's default is 1800 s) with nothing to send when the
# client asked for no bookmarks, so neither nghttpx's read of the backend
# (default 1 min) nor its read of an idle client connection (HTTP/2
# default 3 min, HTTP/1.1 1 min) may end it: an hour each, above the
# longest watch.  Detecting a dead connection is the client's job (podvsd
# probes /livez), and a proxy timeout would hide whether it does.  Writes
# keep nghttpx's bounded defaults, as a real server has write deadlines:
# a client that stops reading (a black-holed connection) has a stream
# reset after a minute without progress, its connection closed after 30 s
# of blocked writes; the backend (local, always reading) 30 s.
TIMEOUTS = [
    "--backend-read-timeout=1h",
    "--frontend-http2-read-timeout=1h",
    "--frontend-read-timeout=1h",
    "--stream-read-timeout=0",
    "--stream-write-timeout=1m",
    "--frontend-write-timeout=30s",
    "--backend-write-timeout=30s",
    # nghttpx's default: the fake accepts on one Python thread, slow under
    # TCG; a shorter bound made bursts end in 502s in a guest run
    "--backend-connect-timeout=30s",
    "--backend-keep-alive-timeout=2s",
]


class FrontError(Exception):
    pass


def free_port(host):
    """A port free on HOST now (nghttpx cannot report the one it got for
    port 0); the moment until nghttpx binds it is the only race, and
    start() fails loudly when nghttpx cannot bind."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _pdeathsig(parent):
    def preexec():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0):
            os._exit(126)
        if os.getppid() != parent:     # the parent died before prctl
            os._exit(126)
    return preexec


def command(d, listen, port, backend_port, crt, key):
    host = "*" if listen in ("0.0.0.0", "::") else listen
    return [
        NGHTTPX, "--conf=/dev/null",   # never the system's config file
        "--single-process", "--workers=1",
        "--frontend=%s,%d" % (host, port),
        # default mode: no cap on backend connections per client (each
        # open watch holds one HTTP/1.1 backend connection)
        "--backend=127.0.0.1,%d;;proto=http/1.1" % backend_port,
        "--backend-connections-per-frontend=0",
        "--npn-list=h2,http/1.1",
        # podvsd runs ~6 watches, Leases and up to 16 gate PATCHes on its
        # connection; nghttpx's default of 100 streams would make a burst
        # of writes queue in curl, which a real API server (hundreds of
        # streams per connection) does not
        "--frontend-http2-max-concurrent-streams=1000",
        "--no-ocsp",                   # no network: no OCSP fetch
        "--no-via", "--no-server-rewrite",
        "--errorlog-file=%s" % os.path.join(d, "nghttpx.log"),
    ] + TIMEOUTS + [key, crt]


def write_pid(d, pid):
    """DIR/nghttpx.pid: for a test that wants the front end gone."""
    with open(os.path.join(d, "nghttpx.pid"), "w") as f:
        f.write("%d\n" % pid)


def _accepts(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def start(d, listen, port, backend_port, crt, key, wait_s=30):
    """Start nghttpx; -> (Popen, port) once it accepts on PORT (0: a free
    one)."""
    if not os.access(NGHTTPX, os.X_OK):
        raise FrontError("%s not found: install nghttp2-proxy "
                         "(scripts/deps.sh)" % NGHTTPX)
    port = port or free_port(listen)
    log = open(os.path.join(d, "nghttpx.out"), "ab")
    proc = subprocess.Popen(command(d, listen, port, backend_port, crt, key),
                            stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT,
                            preexec_fn=_pdeathsig(os.getpid()))
    log.close()
    write_pid(d, proc.pid)
    probe = "127.0.0.1" if listen in ("0.0.0.0", "*") else \
        "::1" if listen == "::" else listen
    end = time.monotonic() + wait_s
    while not _accepts(probe, port):
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            raise FrontError("nghttpx did not start on %s port %d (see "
                             "%s/nghttpx.log)" % (listen, port, d))
        time.sleep(0.05)
    return proc, port


def watch(proc):
    """Exit the whole server (status 1) when nghttpx dies under it: the
    kubeconfig would point at nothing."""
    def wait():
        rc = proc.wait()
        sys.stderr.write("fake-apiserver: nghttpx exited %d\n" % rc)
        sys.stderr.flush()
        os._exit(1)
    threading.Thread(target=wait, daemon=True).start()


def stop(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
