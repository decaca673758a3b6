#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Steady client load for tests/e2e/61-rolling-update.sh (stdlib only).

  load -d VIP -P PORT -s SRC [-s SRC...] --until FILE --out FILE [-c N]
      N workers (default 3), each in a loop until FILE exists: connect
      from the next source address, send "hello", read the one-line
      answer ("podN PEER PORT"), close; a --pause (50 ms) between
      requests (the guest is an emulated CPU shared with the servers).
      Writes to --out a summary line "sent N ok N failed N" and then one
      line per failure "TIME SRC REASON", and the count per Pod as
      "pod podN N".  Any error (refused, reset, timeout, empty answer) is
      a failed request.
"""
import argparse
import os
import socket
import threading
import time


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.ok = 0
        self.fails = []
        self.pods = {}

    def done(self, src, pod, err):
        with self.lock:
            self.sent += 1
            if err:
                self.fails.append("%.3f %s %s" % (time.time(), src, err))
            else:
                self.ok += 1
                self.pods[pod] = self.pods.get(pod, 0) + 1


def one(args, src):
    fam = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(args.timeout)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, 0))
        s.connect((args.dst, args.port))
        s.sendall(b"hello\n")
        data = b""
        while not data.endswith(b"\n"):
            got = s.recv(512)
            if not got:
                break
            data += got
    words = data.decode().split()
    if not words:
        raise ConnectionError(0, "empty_answer")
    return words[0]


def worker(args, k, tally):
    i = k
    while not os.path.exists(args.until):
        src = args.src[i % len(args.src)]
        i += args.c
        try:
            tally.done(src, one(args, src), None)
        except OSError as e:
            reason = os.strerror(e.errno) if e.errno else str(e)
            tally.done(src, None, reason.replace(" ", "_"))
        time.sleep(args.pause)


def load(args):
    tally = Tally()
    ts = [threading.Thread(target=worker, args=(args, k, tally))
          for k in range(args.c)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(args.out + ".tmp", "w") as f:
        f.write("sent %d ok %d failed %d\n" % (tally.sent, tally.ok,
                                                len(tally.fails)))
        for pod, n in sorted(tally.pods.items()):
            f.write("pod %s %d\n" % (pod, n))
        for line in tally.fails:
            f.write(line + "\n")
    os.replace(args.out + ".tmp", args.out)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("-d", "--dst", required=True)
    p.add_argument("-P", "--port", type=int, required=True)
    p.add_argument("-s", "--src", action="append", required=True)
    p.add_argument("-c", type=int, default=3)
    p.add_argument("--pause", type=float, default=0.05)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--until", required=True)
    p.add_argument("--out", required=True)
    args = ap.parse_args()
    load(args)


if __name__ == "__main__":
    main()
