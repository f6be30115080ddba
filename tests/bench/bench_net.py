#!/usr/bin/env python3
"""bench_net.py: network figures for `make bench` (needs root for the LAN).

  * raw frame rate of the e1000 driver alone, both directions, 1514- and
    60-byte frames, between a guest (net=none, /dev/e1000/0 opened
    directly by tests/bench/bench_frames.c) and Linux on the test LAN;
  * ICMP echo round trip, host to guest, over the LAN and (guest to
    QEMU's gateway) over user networking: median and 99th percentile.

Writes docs/perf-network.md (the latest run, with the date). Every ratio
later issues report (TCP, FiSh) is against the frame rates of this file's
run on the same host. Standard library only.
"""

import datetime
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import lan as lanlib   # noqa: E402
import qemu            # noqa: E402

OUT = os.path.join(qemu.REPO, "docs", "perf-network.md")
RECEIVER = r'''
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind(("eth0", socket.htons(0x88b5)))
# The guest needs a while to start its sender (exec, under emulation):
# wait long for the first frame, then stop once the frames stop. (A 3 s
# wait from the start counted 0 of 20000 whenever the guest was slower.)
s.settimeout(60.0)
print("ready", flush=True)
n = b = 0; first = last = None
try:
    while True:
        d = s.recv(2048); t = time.monotonic()
        if first is None:
            first = t; s.settimeout(3.0)
        last = t; n += 1; b += len(d)
except socket.timeout:
    pass
print("got %d %d %.6f" % (n, b, (last - first) if n > 1 else 0), flush=True)
'''
PACED = r'''
import socket, sys, time
mac = bytes(int(x, 16) for x in sys.argv[1].split(":")); size = int(sys.argv[2])
rate = float(sys.argv[3]); secs = float(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0))
f = mac + s.getsockname()[4] + b"\x88\xb5" + bytes(size - 14)
n = 0; t0 = time.monotonic()
while True:
    now = time.monotonic() - t0
    if now >= secs: break
    want = int(now * rate)
    while n < want:
        s.send(f); n += 1
    time.sleep(0.0005)
print("sent %d" % n, flush=True)
'''

RATES = (1000, 2000, 4000, 8000, 16000, 32000, 64000)   # offered frames/s, Linux -> guest
CURVE_SVG = os.path.join(qemu.REPO, "docs", "perf-receive.svg")
PACE_S = 2

def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def frame_rates(l, curves):
    m = l.guest(1, net="none")
    peer_mac = l.peer_run(["cat", "/sys/class/net/eth0/address"], check=True).stdout.strip()
    rows = []
    for size in (1514, 60):
        # guest -> Linux
        rx = l.peer_popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
        assert rx.stdout.readline().strip() == "ready"
        count = 20000 if size == 1514 else 40000
        r = m.run("/test/bench_frames tx %s %d %d" % (peer_mac, size, count), timeout=300)
        g = re.search(r"BENCH frames_tx size=\d+ frames=(\d+) us=(\d+)", r.output)
        got = rx.communicate(timeout=60)[0]
        h = re.search(r"got (\d+) (\d+) ([\d.]+)", got)
        sent, us = int(g.group(1)), int(g.group(2))
        rows.append(("guest to Linux", size, sent / (us / 1e6), int(h.group(1)), sent))
        # Linux -> guest: offer frames at a paced rate for PACE_S seconds
        # and count what the guest program reads; the best loss-free rate
        # is the figure (as the anchor figures of small kernels are).
        best, last, lossy = 0, (0, 0), False
        curve = []
        for rate in RATES:
            m.send("/test/bench_frames rx %d\n" % (PACE_S + 3))
            m.wait_for("/test/bench_frames rx %d\n" % (PACE_S + 3), 10)
            tx = l.peer_run([sys.executable, "-c", PACED, lanlib.guest_mac(1), str(size),
                             str(rate), str(PACE_S)], timeout=60, check=True)
            nsent = int(re.search(r"sent (\d+)", tx.stdout).group(1))
            mm = m.wait_for(re.compile(r"BENCH frames_rx frames=(\d+) "), 60)
            m.wait_for(qemu.PROMPT, 30, start=mm.end() - 1)
            m._mark = len(m.console)
            got = int(mm.group(1))
            # The curve: what was offered and what the program read, both
            # per second of the paced interval. Every rate is tried, up to
            # 3x past the loss-free one: the shape above that rate is what
            # shows livelock (delivery falling) or its absence (flat).
            curve.append((nsent / PACE_S, min(got, nsent) / PACE_S))
            if got >= nsent and not lossy:
                best, last = rate, (got, nsent)
            elif not lossy:
                lossy, last = True, (got, nsent)
            if lossy and rate >= 3 * max(best, RATES[0]):
                break
        rows.append(("Linux to guest (best loss-free offered rate)", size, best,
                     last[0], last[1]))
        curves[size] = curve
    m.close()
    return rows


def plot_curves(curves):
    """docs/perf-receive.svg with gnuplot (package gnuplot-nox); False
    if gnuplot is missing."""
    import shutil
    import tempfile
    if shutil.which("gnuplot") is None or not curves:
        print("gnuplot missing (package gnuplot-nox): no plot", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as d:
        plots = []
        for size, curve in sorted(curves.items()):
            path = os.path.join(d, "c%d.dat" % size)
            with open(path, "w") as f:
                for off, got in curve:
                    f.write("%f %f\n" % (off, got))
            plots.append("'%s' using 1:2 with linespoints title '%d-byte frames'" % (path, size))
        top = max(off for c in curves.values() for off, _ in c)
        script = "\n".join([
            "set terminal svg size 640,400 font 'Helvetica,11'",
            "set output '%s'" % CURVE_SVG,
            "set title 'Linux to guest: delivered against offered'",
            "set xlabel 'offered frames/s'", "set ylabel 'delivered frames/s'",
            "set key left top", "set grid",
            "plot [0:%f] [0:] x title 'no loss' with lines dashtype 2, %s" % (top, ", ".join(plots)),
        ])
        subprocess.run(["gnuplot"], input=script, text=True, check=True, timeout=60)
    return True


def lan_rtt(l):
    m = l.guest(2)
    p = l.peer_run(["ping", "-c", "200", "-i", "0.01", lanlib.guest_addr(2)], timeout=120)
    times = [float(x) for x in re.findall(r"time=([\d.]+) ms", p.stdout)]
    m.close()
    return times


def user_rtt():
    args = ["-netdev", "user,id=n0",
            "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56"]
    with qemu.Machine(smp=2, extra_args=args) as m:
        r = m.run("ping -c 200 -i 10 10.0.2.2", timeout=120)
    return [float(x) for x in re.findall(r"time=([\d.]+) ms", r.output)]


def main():
    ok, why = lanlib.have_root()
    lines = ["# Network performance", "",
             "Written by `make bench` (tests/bench/bench_net.py) on %s UTC. QEMU TCG"
             " emulation: the figures measure this host too; compare ratios taken in"
             " one run." % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), "",
             "Floods, scheduling and lock counts: [perf-datapath.md](perf-datapath.md).", ""]
    if ok:
        with lanlib.Lan() as l:
            curves = {}
            rows = frame_rates(l, curves)
            lan_times = lan_rtt(l)
        lines += ["## Raw e1000 frame rate (driver alone, test LAN)", "",
                  "Sending: frames/s the guest program wrote, and how many Linux counted."
                  " Receiving: the highest paced rate (of %s frames/s) the guest program"
                  " read without loss, and counted/sent at the next rate."
                  % ", ".join(str(r) for r in RATES), "",
                  "| direction | frame bytes | frames/s | MB/s | frames counted / sent |",
                  "| --- | --- | --- | --- | --- |"]
        for d, size, fps, got, sent in rows:
            lines.append("| %s | %d | %.0f | %.2f | %d / %d |" % (d, size, fps, fps * size / 1e6,
                                                                 got, sent))
        lines += ["", "## Receive curve", "",
                  "Frames/s Linux offered (paced, %d s a rate) against frames/s the guest"
                  " program read. Flat past the knee means no livelock." % PACE_S, "",
                  "| frame bytes | offered | delivered |", "| --- | --- | --- |"]
        for size, curve in sorted(curves.items()):
            for off, got in curve:
                lines.append("| %d | %.0f | %.0f |" % (size, off, got))
        if plot_curves(curves):
            lines += ["", "![delivered against offered](perf-receive.svg)"]
        lines += ["", "## ICMP echo round trip", "",
                  "| path | median ms | p99 ms | samples |", "| --- | --- | --- | --- |",
                  "| Linux to guest, LAN | %.3f | %.3f | %d |" % (
                      statistics.median(lan_times), percentile(lan_times, 99), len(lan_times))]
    else:
        lines += ["LAN figures skipped: %s." % why, "",
                  "| path | median ms | p99 ms | samples |", "| --- | --- | --- | --- |"]
    ut = user_rtt()
    lines.append("| guest to QEMU gateway, user networking | %.3f | %.3f | %d |" % (
        statistics.median(ut), percentile(ut, 99), len(ut)))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
