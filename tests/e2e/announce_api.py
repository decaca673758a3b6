#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""GET_ANNOUNCE / SET_ANNOUNCE with a raw client, one scenario per argument
(run by tests/e2e/14-announce.sh, podvs loaded, in the namespace given by
the caller).  What the uapi header documents: HOLD 1..3600, READY and
DECOMMISSIONED 0 or 1, reply-only attributes refused, a bad attribute
anywhere applies nothing, every refusal names the attribute; a NOTIFY
follows a change, not a plain heartbeat.  Exit 0: pass; 1: fail (message on
stderr).
"""
import errno
import socket
import sys

from netlink_genl import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import

NETLINK_ADD_MEMBERSHIP = 1


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def state(g):
    a = parse_attrs(parse_attrs(g.cmd(CMD_GET_ANNOUNCE)[0][1])[A_ANNOUNCE])
    return {"hold": get_u32(a[ANN_HOLD]), "ready": a[ANN_READY][0],
            "decommissioned": a[ANN_DECOMMISSIONED][0], "up": a[ANN_UP][0],
            "remaining_ms": get_u32(a[ANN_REMAINING_MS]),
            "expiries": get_u32(a[ANN_EXPIRIES]), "links": get_u32(a[ANN_LINKS])}


def refused(g, err, msg, *attrs, top=None):
    payload = top if top is not None else [nest(A_ANNOUNCE, *attrs)]
    try:
        g.cmd(CMD_SET_ANNOUNCE, *payload)
    except NetlinkError as e:
        check(e.errno == err, "errno %s, want %s (%s)" % (e.errno, err, e.msg))
        check(msg in e.msg, "message %r, want %r" % (e.msg, msg))
        return
    raise AssertionError("SET_ANNOUNCE %r accepted" % (attrs,))


def scn_validation(g):
    """Bad requests are refused whole: the state stays as it was."""
    g.cmd(CMD_SET_ANNOUNCE, nest(A_ANNOUNCE, u32(ANN_HOLD, 600), u8(ANN_READY, 0)))
    before = state(g)
    refused(g, errno.ERANGE, "announce hold 0 out of range 1..3600 seconds",
            u32(ANN_HOLD, 0))
    refused(g, errno.ERANGE, "announce hold 3601 out of range 1..3600 seconds",
            u32(ANN_HOLD, 3601), u8(ANN_READY, 1))
    # a good HOLD and a bad READY: the HOLD is not applied either
    refused(g, errno.ERANGE, "announce ready 2: must be 0 or 1",
            u32(ANN_HOLD, 30), u8(ANN_READY, 2))
    refused(g, errno.ERANGE, "announce decommissioned 5: must be 0 or 1",
            u8(ANN_READY, 1), u8(ANN_DECOMMISSIONED, 5))
    refused(g, errno.EINVAL, "attribute only in replies",
            u8(ANN_READY, 1), u8(ANN_UP, 1))
    refused(g, errno.EINVAL, "announce: nothing to set")
    refused(g, errno.EINVAL, "SET_ANNOUNCE needs PODVS_A_ANNOUNCE", top=[])
    after = state(g)
    check(after["hold"] == 600 and after["ready"] == 0,
          "a refused request changed the state: %s -> %s" % (before, after))
    check(after["remaining_ms"] <= before["remaining_ms"],
          "a refused request restarted the watchdog: %s -> %s" % (before, after))


def listener():
    lg = Genl()
    lg.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, lg.groups["changes"])
    return lg


def notifies(lg):
    n = 0
    while True:
        try:
            data = lg.sock.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return n
        n += data[16] == CMD_NOTIFY


def scn_notify(g):
    """A heartbeat notifies no one; a change does (the kernel multicasts
    before it acks, so after the ack the NOTIFY is queued)."""
    hb = nest(A_ANNOUNCE, u32(ANN_HOLD, 600))
    g.cmd(CMD_SET_ANNOUNCE, hb)
    lg = listener()
    g.cmd(CMD_SET_ANNOUNCE, hb)
    g.cmd(CMD_SET_ANNOUNCE, hb)
    check(notifies(lg) == 0, "a heartbeat sent a NOTIFY")
    g.cmd(CMD_SET_ANNOUNCE, nest(A_ANNOUNCE, u8(ANN_DECOMMISSIONED, 1)))
    check(notifies(lg) == 1, "decommissioning sent no NOTIFY")
    g.cmd(CMD_SET_ANNOUNCE, nest(A_ANNOUNCE, u8(ANN_DECOMMISSIONED, 1)))
    check(notifies(lg) == 0, "a SET that changed nothing sent a NOTIFY")
    g.cmd(CMD_SET_ANNOUNCE, nest(A_ANNOUNCE, u8(ANN_DECOMMISSIONED, 0)))
    check(notifies(lg) == 1, "recommissioning sent no NOTIFY")
    try:
        g.cmd(CMD_SET_ANNOUNCE, nest(A_ANNOUNCE, u32(ANN_HOLD, 0)))
    except NetlinkError:
        pass
    check(notifies(lg) == 0, "a refused SET sent a NOTIFY")


def main():
    g = Genl()
    for name in sys.argv[1:]:
        globals()["scn_" + name](g)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
