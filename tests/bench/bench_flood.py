#!/usr/bin/env python3
"""bench_flood.py: a burst and a flood from the wire, for `make bench`
(needs root for the test LAN).

On the LAN of tests/test_flood.py (a guest with the whole stack, Linux
peers PEER and PEER2, and FLOOD, which sends raw frames of ethertype
0x88b5, a type no module binds, so eth counts each one it sees):
  * burst: FLOOD sends BURST 1514-byte frames back to back (a frame the
    socket refuses is sent again, so exactly BURST leave). Every one is
    either seen by eth, dropped by the card's driver by reason, or dropped
    by the host (the tap's and bridge ports' counters); then PEER pings,
    to show delivery resumes at once;
  * flood: FLOOD sends 1514-byte frames as fast as it can for FLOOD_S
    seconds while PEER2 pings every 0.25 s: pings answered, and the
    rate that reached eth against the rate offered.
Writes nothing in docs/ itself: the figures go to the summary
(tests/bench/figures.py, tests/bench/bench_summary.py).
"""

import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import figures          # noqa: E402
import lan as lanlib    # noqa: E402
import test_flood as tf  # noqa: E402

BURST = 20000
FLOOD_S = 10

BURST_SENDER = r'''
import errno, socket, sys
mac = bytes(int(x, 16) for x in sys.argv[1].split(":")); n = int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0))
f = mac + s.getsockname()[4] + b"\x88\xb5" + bytes(1500)
sent = refused = 0
while sent < n:
    try:
        s.send(f); sent += 1
    except OSError as e:
        if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
            raise
        refused += 1
print("sent %d refused %d" % (sent, refused), flush=True)
'''


def unbound(e):
    return e.get("if0 drop-unbound-type", 0)


def peers_tx(fl):
    l = fl.lan
    return (tf.links(l.peer_ns)["eth0"]["tx"]["packets"] +
            tf.links(fl.peer2_ns)["eth0"]["tx"]["packets"])


def burst(fl, m):
    l = fl.lan
    tap = "%s/tap1" % l.lan_ns
    base_host, base_card, base_eth = fl.host_counts(), tf.card(m), tf.eth(m)
    ptx0 = peers_tx(fl)
    p = subprocess.run(["ip", "netns", "exec", fl.flood_ns, sys.executable, "-c",
                        BURST_SENDER, lanlib.guest_mac(1), str(BURST)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    mm = re.search(r"^sent (\d+) refused (\d+)$", p.stdout, re.M)
    if not mm:
        raise RuntimeError("burst sender: %r" % p.stdout[-300:])
    sent = int(mm.group(1))
    t0 = time.monotonic()
    ping = l.peer_run(["ping", "-c", "1", "-W", "2", lanlib.guest_addr(1)], timeout=30)
    resumed = time.monotonic() - t0 if ping.returncode == 0 else None
    rtt = re.search(r"time=([\d.]+) ms", ping.stdout)
    c, hc = tf.wait_quiet(m, fl, base_card, base_host, tap, 60)
    e = tf.eth(m)
    seen = unbound(e) - unbound(base_eth)
    gdrop = tf.guest_drops(c) - tf.guest_drops(base_card)
    hdrop = tf.host_drops(base_host, hc)
    others = peers_tx(fl) - ptx0
    reasons = {k: c[k] - base_card[k] for k in
               ("rx_drop_nomem", "rx_drop_closed", "rx_errors", "rx_missed") if k in c}
    total = seen + gdrop + hdrop
    res = {"sent": sent, "seen": seen, "guest_drops": gdrop, "host_drops": hdrop,
           "reasons": reasons, "others": others,
           "unaccounted": max(0, sent - total) if total <= sent + others else sent - total,
           "resumed_ping_ms": float(rtt.group(1)) if rtt and resumed is not None else None}
    print("burst: %r" % res, flush=True)
    return res


def flood(fl, m, exe):
    base_eth = tf.eth(m)     # before the sender starts: the command takes a while
    flood = subprocess.Popen(["ip", "netns", "exec", fl.flood_ns, exe, "eth0",
                              lanlib.guest_mac(1), str(FLOOD_S), "1514"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        if flood.stdout.readline().strip() != "started":
            raise RuntimeError("flood sender did not start")
        pings = subprocess.run(["ip", "netns", "exec", fl.peer2_ns, "ping", "-c",
                                str(FLOOD_S * 4 - 8), "-i", "0.25", "-W", "1",
                                lanlib.guest_addr(1)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=120)
        fout = flood.communicate(timeout=120)[0]
    finally:
        if flood.poll() is None:
            flood.kill()
            flood.wait()
    mm = re.search(r"sent (\d+) refused \d+ seconds ([\d.]+)", fout)
    got = re.search(r"(\d+) packets transmitted, (\d+) received", pings.stdout)
    if not mm or not got:
        raise RuntimeError("flood: sender %r, ping %r" % (fout[-200:], pings.stdout[-200:]))
    secs = float(mm.group(2))
    # What reached eth, once the frames queued on the host have drained.
    time.sleep(2)   # waiting out the host's queues, not synchronising with the guest
    seen = unbound(tf.eth(m)) - unbound(base_eth)
    res = {"offered_fps": int(mm.group(1)) / secs, "delivered_fps": seen / secs,
           "pings_sent": int(got.group(1)), "pings_answered": int(got.group(2))}
    print("flood: %r" % res, flush=True)
    return res


def main():
    ok, why = lanlib.have_root()
    if not ok:
        print("bench_flood: skipped: %s" % why)
        figures.record("flood", skipped=why)
        return 0
    fl = tf.FloodLan(2)
    tmp = tempfile.mkdtemp(prefix="xv6flood-")
    try:
        exe = tf.build_sender(tmp)
        m = fl.lan.guest(1, boot_timeout=figures.BOOT_S)
        m.run("ping -c 1 -W 3000 %s" % lanlib.PEER_ADDR, timeout=60)
        m.run("ping -c 1 -W 3000 %s" % tf.PEER2_ADDR, timeout=60)
        b = burst(fl, m)
        figures.record("burst", **b)
        f = flood(fl, m, exe)
        figures.record("flood", **f)
    finally:
        fl.close()
        subprocess.run(["rm", "-rf", tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())
