#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic helper for tests/e2e/*dataplane*.sh (Python stdlib only).

  serve NAME PORT [PORT...]   TCP and UDP servers (IPv4 and IPv6) on each
                              PORT.  A request line "hello" is answered with
                              "NAME PEERADDR PEERPORT" (TCP: then closed);
                              "echo" turns a TCP connection into a line echo;
                              "bulk N" is answered with N bytes; "sink"
                              reads to EOF and answers the byte count.  Every peer
                              is logged to stdout as "PROTO PEERADDR".
  hello  -p tcp|udp -d VIP -P PORT [-s SRC ...] [--sport N]
                              one request per source address; prints
                              "SRC NAME PEERADDR" or "SRC ERROR reason"
  hold   -p tcp|udp -d VIP -P PORT -s SRC --until FILE --out FILE
                              one flow exchanging a line every 50 ms until
                              FILE exists; writes "NAME ok N" or
                              "NAME error REASON after N" to --out
  bulk   -d VIP -P PORT -s SRC -n BYTES   download BYTES over TCP, print count
  upload -d VIP -P PORT -s SRC -n BYTES   upload BYTES over TCP ("sink"), print
                                          the count the server received
  send   -d VIP -P PORT -s SRC... --sport N   one UDP datagram per source
  udpref -d VIP -P PORT -s SRC            connected UDP send; print "refused"
                                          when an ICMP unreachable comes back
"""
import argparse
import os
import socket
import sys
import threading
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def peer_of(addr):
    host = addr[0]
    return host[7:] if host.startswith("::ffff:") else host


def tcp_conn(name, conn, addr):
    with conn:
        f = conn.makefile("rwb", buffering=0)
        line = f.readline().decode().strip()
        if line == "hello":
            f.write(f"{name} {peer_of(addr)} {addr[1]}\n".encode())
        elif line == "echo":
            f.write(f"{name}\n".encode())
            for data in f:
                f.write(data)
        elif line == "sink":
            got = 0
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                got += len(data)
            conn.sendall(f"{got}\n".encode())
        elif line.startswith("bulk "):
            left = int(line.split()[1])
            chunk = b"x" * 65536
            while left > 0:
                n = min(left, len(chunk))
                conn.sendall(chunk[:n])
                left -= n


def tcp_server(name, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(512)
    while True:
        conn, addr = s.accept()
        print(f"tcp {peer_of(addr)}", flush=True)
        threading.Thread(target=tcp_conn, args=(name, conn, addr),
                         daemon=True).start()


def udp_server(name, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    while True:
        data, addr = s.recvfrom(2048)
        print(f"udp {peer_of(addr)}", flush=True)
        line = data.decode(errors="replace").strip()
        reply = f"{name} {peer_of(addr)} {addr[1]}" if line == "hello" else name
        s.sendto(reply.encode() + b"\n", addr)


def serve(args):
    for port in args.ports:
        for fn in (tcp_server, udp_server):
            threading.Thread(target=fn, args=(args.name, port),
                             daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def connect(args, src, sport=0):
    kind = socket.SOCK_STREAM if args.proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family(args.dst), kind)
    s.settimeout(args.timeout)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if src or sport:
        s.bind((src or "", sport))
    s.connect((args.dst, args.port))
    return s


def ask(s, line):
    s.send(line.encode() + b"\n")
    return s.recv(512).decode().split()


def hello(args):
    for src in args.src or [""]:
        try:
            with connect(args, src, args.sport) as s:
                words = ask(s, "hello")
            print(f"{src or '-'} {words[0]} {words[1]}", flush=True)
        except (OSError, IndexError) as e:
            reason = type(e).__name__ if isinstance(e, IndexError) else \
                (os.strerror(e.errno) if e.errno else str(e))
            print(f"{src or '-'} ERROR {reason}", flush=True)


def hold(args):
    n, name, result = 0, "-", None
    try:
        s = connect(args, args.src[0])
        name = ask(s, "echo" if args.proto == "tcp" else "ping")[0]
        with open(args.out + ".name", "w") as f:
            f.write(name + "\n")
        while not os.path.exists(args.until):
            got = ask(s, f"ping{n}")
            if not got:
                raise ConnectionResetError(0, "closed")
            n += 1
            time.sleep(0.05)
        result = f"{name} ok {n}"
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        result = f"{name} error {reason.replace(' ', '_')} after {n}"
    with open(args.out, "w") as f:
        f.write(result + "\n")


def bulk(args):
    with connect(args, args.src[0]) as s:
        s.send(f"bulk {args.n}\n".encode())
        got = 0
        while got < args.n:
            data = s.recv(65536)
            if not data:
                break
            got += len(data)
    print(got)


def upload(args):
    with connect(args, args.src[0]) as s:
        s.sendall(b"sink\n")
        chunk = b"y" * 65536
        left = args.n
        while left > 0:
            s.sendall(chunk[:min(left, len(chunk))])
            left -= min(left, len(chunk))
        s.shutdown(socket.SHUT_WR)
        print(s.recv(64).decode().strip())


def send(args):
    for src in args.src:
        with socket.socket(family(args.dst), socket.SOCK_DGRAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((src, args.sport))
            s.sendto(b"hello\n", (args.dst, args.port))


def udpref(args):
    args.proto = "udp"
    with connect(args, args.src[0]) as s:
        try:
            s.send(b"hello\n")
            s.recv(512)
            print("answered")
        except ConnectionRefusedError:
            print("refused")
        except OSError as e:
            print(f"error {e}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("name")
    p.add_argument("ports", type=int, nargs="+")
    for cmd in ("hello", "hold", "bulk", "upload", "send", "udpref"):
        p = sub.add_parser(cmd)
        p.add_argument("-p", "--proto", default="tcp")
        p.add_argument("-d", "--dst", required=True)
        p.add_argument("-P", "--port", type=int, required=True)
        p.add_argument("-s", "--src", action="append")
        p.add_argument("--sport", type=int, default=0)
        p.add_argument("--timeout", type=float, default=5.0)
        p.add_argument("--until")
        p.add_argument("--out")
        p.add_argument("-n", type=int, default=0)
    args = ap.parse_args()
    {"serve": serve, "hello": hello, "hold": hold, "bulk": bulk,
     "upload": upload, "send": send, "udpref": udpref}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
