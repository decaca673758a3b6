#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic for the fleet e2e test and the failover bench (asyncio, stdlib).

  serve NAME TCPPORT UDPPORT
      In a Pod: a TCP line echo and a UDP echo, IPv4 and IPv6.  Every reply
      is "NAME PEERADDR PAYLOAD": the Pod's name and the peer address it
      saw.  Prints "ready" once listening.
  run --vip4 A --vip6 A --port P --udp-port P --src4 A,.. --src6 A,..
      --until FILE --out FILE [--hold N] [--interval S] [--new-rate R]
      [--new-timeout S] [--udp N] [--status FILE]
      The client side, until FILE exists:
        * N long-lived TCP connections (half IPv4, half IPv6, sources in
          turn), each sending a line every --interval seconds and checking
          the echo; one that times out (10 s), resets or echoes wrong is
          broken;
        * a stream of new short connections (--new-rate a second, sources
          in turn, both families): connect, one line, its echo, close, all
          within --new-timeout seconds, or failed;
        * --udp DNS-like flows (a fixed socket each, both families): one
          query a second, the Pod that answered recorded (1 s timeout).
      Writes every event to --out (JSON) at the end; --status is rewritten
      every second with the counts so far ("long L broken B new N failed F").
  once --dst A --port P [--src A] [--timeout S]
      One TCP exchange; prints "POD PEERADDR" (the Pod's view of us).
  report FILE [--since T] [--fail-at T]
      Summary of a run, one "key value" a line:
        long, long_broken, long_mismatch, new, new_failed, new_mismatch,
        udp_flows, udp_moved, udp_lost, and with --fail-at (a time.time()
        value): new_failed_after, recover_ms (from T to the start of the
        first new connection that succeeded after the last failed one).
      --since T counts only events that began at or after T.
"""
import argparse
import asyncio
import json
import os
import socket
import sys
import time

LONG_TIMEOUT = 10.0


def peer_of(host):
    return host[7:] if host.startswith("::ffff:") else host


# ---- the Pod's servers ------------------------------------------------------

def serve(args):
    async def on_tcp(reader, writer):
        peer = peer_of(writer.get_extra_info("peername")[0])
        print("tcp", peer, flush=True)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write(("%s %s %s" % (args.name, peer,
                                            line.decode().strip())
                              + "\n").encode())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    class Udp(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.t = transport

        def datagram_received(self, data, addr):
            peer = peer_of(addr[0])
            self.t.sendto(("%s %s %s" % (args.name, peer, data.decode()))
                          .encode(), addr)

    async def main():
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s6.bind(("::", args.tcp_port))
        s6.listen(1024)
        await asyncio.start_server(on_tcp, sock=s6)
        u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        u6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        u6.bind(("::", args.udp_port))
        await asyncio.get_running_loop().create_datagram_endpoint(
            Udp, sock=u6)
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# ---- the client side ---------------------------------------------------------

class Run:
    def __init__(self, args):
        self.a = args
        self.long = []
        self.new = []
        self.udp = []
        self.stop = False
        self.src = {4: args.src4.split(","), 6: args.src6.split(",")}
        self.vip = {4: args.vip4, 6: args.vip6}
        self.turn = {4: 0, 6: 0}

    def next_src(self, fam):
        s = self.src[fam][self.turn[fam] % len(self.src[fam])]
        self.turn[fam] += 1
        return s

    async def connect(self, fam, src, port):
        return await asyncio.open_connection(self.vip[fam], port,
                                             local_addr=(src, 0))

    async def long_lived(self, i):
        fam = 4 if i % 2 == 0 else 6
        src = self.next_src(fam)
        ev = {"id": i, "fam": fam, "src": src, "t0": time.time(),
              "pod": None, "lines": 0, "broken": None, "mismatch": 0}
        self.long.append(ev)
        try:
            r, w = await asyncio.wait_for(
                self.connect(fam, src, self.a.port), LONG_TIMEOUT)
            ev["sport"] = w.get_extra_info("sockname")[1]
            n = 0
            while not self.stop:
                n += 1
                w.write(b"%d\n" % n)
                line = await asyncio.wait_for(r.readline(), LONG_TIMEOUT)
                f = line.decode().split()
                if len(f) != 3 or f[2] != str(n):
                    raise ConnectionError("bad echo %r" % line)
                if ev["pod"] is None:
                    ev["pod"] = f[0]
                elif ev["pod"] != f[0]:
                    raise ConnectionError("moved to %s" % f[0])
                if f[1] != src:
                    ev["mismatch"] += 1
                ev["lines"] = n
                await asyncio.sleep(self.a.interval)
            w.close()
        except (OSError, asyncio.TimeoutError, ConnectionError) as e:
            ev["broken"] = "%s at %.3f" % (type(e).__name__ + ": " + str(e),
                                           time.time())
            ev["t_broken"] = time.time()

    async def short(self, fam):
        src = self.next_src(fam)
        ev = {"t": time.time(), "fam": fam, "src": src, "ok": False}
        self.new.append(ev)

        async def once():
            r, w = await self.connect(fam, src, self.a.port)
            w.write(b"hello\n")
            line = await r.readline()
            w.close()
            return line.decode().split()

        try:
            f = await asyncio.wait_for(once(), self.a.new_timeout)
            if len(f) != 3 or f[2] != "hello":
                raise ConnectionError("bad echo %r" % f)
            ev.update(ok=True, pod=f[0], peer=f[1],
                      ms=round((time.time() - ev["t"]) * 1000))
        except (OSError, asyncio.TimeoutError, ConnectionError) as e:
            ev["err"] = type(e).__name__ + ": " + str(e)

    async def new_stream(self):
        tasks = set()
        k = 0
        while not self.stop:
            t = asyncio.create_task(self.short(4 if k % 2 == 0 else 6))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            k += 1
            await asyncio.sleep(1.0 / self.a.new_rate)
        if tasks:
            await asyncio.wait(tasks)

    async def udp_flow(self, i):
        fam = 4 if i % 2 == 0 else 6
        src = self.next_src(fam)
        loop = asyncio.get_running_loop()
        af = socket.AF_INET if fam == 4 else socket.AF_INET6
        s = socket.socket(af, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.connect((self.vip[fam], self.a.udp_port))
        s.setblocking(False)
        flow = {"id": i, "fam": fam, "src": src, "answers": []}
        self.udp.append(flow)
        n = 0
        while not self.stop:
            n += 1
            t = time.time()
            pod = None
            try:
                s.send(b"q%d" % n)
                data = await asyncio.wait_for(loop.sock_recv(s, 512), 1.0)
                f = data.decode().split()
                if len(f) == 3 and f[2] == "q%d" % n:
                    pod = f[0]
            except (OSError, asyncio.TimeoutError):
                pass
            flow["answers"].append([round(t, 3), pod])
            await asyncio.sleep(max(0.0, 1.0 - (time.time() - t)))
        s.close()

    def status(self):
        if not self.a.status:
            return
        txt = "long %d broken %d new %d failed %d\n" % (
            len(self.long), sum(1 for e in self.long if e["broken"]),
            len(self.new), sum(1 for e in self.new
                               if not e["ok"] and "err" in e))
        with open(self.a.status + ".tmp", "w") as f:
            f.write(txt)
        os.replace(self.a.status + ".tmp", self.a.status)

    async def main(self):
        tasks = [asyncio.create_task(self.long_lived(i))
                 for i in range(self.a.hold)]
        tasks += [asyncio.create_task(self.udp_flow(i))
                  for i in range(self.a.udp)]
        if self.a.new_rate > 0:
            tasks.append(asyncio.create_task(self.new_stream()))
        while not os.path.exists(self.a.until):
            self.status()
            await asyncio.sleep(0.5)
        self.stop = True
        await asyncio.wait(tasks, timeout=LONG_TIMEOUT + 5)
        self.status()
        with open(self.a.out + ".tmp", "w") as f:
            json.dump({"long": self.long, "new": self.new, "udp": self.udp}, f)
        os.replace(self.a.out + ".tmp", self.a.out)


def run(args):
    asyncio.run(Run(args).main())


def once(args):
    async def go():
        fam = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
        r, w = await asyncio.open_connection(
            args.dst, args.port, family=fam,
            local_addr=(args.src, 0) if args.src else None)
        w.write(b"hello\n")
        line = await r.readline()
        w.close()
        return line.decode().split()

    try:
        f = asyncio.run(asyncio.wait_for(go(), args.timeout))
    except (OSError, asyncio.TimeoutError) as e:
        print("ERROR", type(e).__name__, e)
        sys.exit(1)
    if len(f) != 3:
        print("ERROR bad reply", f)
        sys.exit(1)
    print(f[0], f[1])


# ---- the summary -------------------------------------------------------------

def report(args):
    d = json.load(open(args.file))
    since = args.since or 0
    out = {}
    long = [e for e in d["long"] if e["t0"] >= since or since == 0]
    out["long"] = len(long)
    out["long_broken"] = sum(1 for e in long if e["broken"])
    out["long_mismatch"] = sum(e["mismatch"] for e in long)
    new = [e for e in d["new"] if e["t"] >= since and
           ("err" in e or e["ok"])]
    out["new"] = len(new)
    out["new_failed"] = sum(1 for e in new if not e["ok"])
    out["new_mismatch"] = sum(1 for e in new if e["ok"] and
                              e["peer"] != e["src"])
    out["udp_flows"] = len(d["udp"])
    moved = lost = 0
    for f in d["udp"]:
        pods = {p for t, p in f["answers"] if p and t >= since}
        moved += len(pods) > 1
        lost += sum(1 for t, p in f["answers"] if p is None and t >= since)
    out["udp_moved"] = moved
    out["udp_lost"] = lost
    if args.fail_at:
        t0 = args.fail_at
        after = [e for e in new if e["t"] >= t0 - 10]
        failed = [e["t"] for e in after if not e["ok"]]
        out["new_failed_after"] = sum(1 for e in after
                                      if not e["ok"] and e["t"] >= t0 - 1)
        last = max(failed) if failed else t0
        ok = [e["t"] for e in new if e["ok"] and e["t"] > last]
        out["recover_ms"] = (round((min(ok) - t0) * 1000) if ok and failed
                             else 0)
    for k, v in out.items():
        print(k, v)
    for e in long:
        if e["broken"]:
            print("broken", e["id"], e["src"], e.get("sport"), e["pod"],
                  e["broken"])


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("name")
    s.add_argument("tcp_port", type=int)
    s.add_argument("udp_port", type=int)
    r = sub.add_parser("run")
    r.add_argument("--vip4", required=True)
    r.add_argument("--vip6", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--udp-port", type=int, required=True)
    r.add_argument("--src4", required=True)
    r.add_argument("--src6", required=True)
    r.add_argument("--until", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--status")
    r.add_argument("--hold", type=int, default=24)
    r.add_argument("--interval", type=float, default=0.2)
    r.add_argument("--new-rate", type=float, default=10)
    r.add_argument("--new-timeout", type=float, default=3)
    r.add_argument("--udp", type=int, default=4)
    o = sub.add_parser("once")
    o.add_argument("--dst", required=True)
    o.add_argument("--port", type=int, required=True)
    o.add_argument("--src")
    o.add_argument("--timeout", type=float, default=5)
    q = sub.add_parser("report")
    q.add_argument("file")
    q.add_argument("--since", type=float)
    q.add_argument("--fail-at", type=float)
    args = p.parse_args()
    {"serve": serve, "run": run, "once": once, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
