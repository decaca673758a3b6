#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A server-first TCP exchange for tests/e2e/13-dataplane-asymmetric.sh.

  serve PORT GO          dual-stack TCP server on PORT: every connection gets
                         "banner PEERADDR" at once, then, once the file GO
                         exists, "push PEERADDR", then it is closed.  Prints
                         "ready" when listening.
  client -d VIP -P PORT -s SRC --out FILE [--timeout S]
                         connect from SRC, write the banner line to FILE,
                         then wait up to S seconds (default 60) for the next
                         line and append it, or "ERROR reason", to FILE.
"""
import argparse
import os
import socket
import sys
import threading
import time


def peer_of(addr):
    host = addr[0]
    return host[7:] if host.startswith("::ffff:") else host


def one(conn, addr, go):
    with conn:
        peer = peer_of(addr)
        try:
            conn.sendall(f"banner {peer}\n".encode())
            while not os.path.exists(go):
                time.sleep(0.05)
            conn.sendall(f"push {peer}\n".encode())
        except OSError:
            pass


def serve(args):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", args.port))
    s.listen(64)
    print("ready", flush=True)
    while True:
        conn, addr = s.accept()
        threading.Thread(target=one, args=(conn, addr, args.go),
                         daemon=True).start()


def client(args):
    fam = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
    with open(args.out, "w") as out:
        try:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(args.timeout)
            s.bind((args.src, 0))
            s.connect((args.dst, args.port))
            f = s.makefile("rb")
            out.write(f.readline().decode())
            out.flush()
            line = f.readline().decode()
            out.write(line if line else "ERROR closed\n")
        except OSError as e:
            out.write(f"ERROR {os.strerror(e.errno) if e.errno else e}\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("port", type=int)
    s.add_argument("go")
    c = sub.add_parser("client")
    c.add_argument("-d", "--dst", required=True)
    c.add_argument("-P", "--port", type=int, required=True)
    c.add_argument("-s", "--src", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()
    return serve(args) if args.cmd == "serve" else client(args)


if __name__ == "__main__":
    sys.exit(main())
