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

sys.path.insert(0, HERE)
import figures         # noqa: E402

OUT = os.path.join(qemu.REPO, "docs", "perf-network.md")
RECEIVER = r'''
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
# Python's bind turns the protocol to network order itself: binding to
# htons(0x88b5) listened for 0xb588, so Linux counted none of the guest's
# frames (the peer's eth0 counted them as dropped: no one took them).
s.bind(("eth0", 0x88b5))
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

# Offered frames/s, Linux -> guest; 20,000 is the 60-byte target, and
# 0.8 of the rate the guest sent at is added for 1514-byte frames (the
# target there).
RATES = (1000, 2000, 4000, 8000, 16000, 20000, 32000, 64000)
CURVE_SVG = os.path.join(qemu.REPO, "docs", "perf-receive.svg")
PACE_S = 2

def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def per_second(frames, us):
    """frames/s from a count and a duration in microseconds, or None when
    the duration cannot be true: the emulated card takes more than a
    microsecond a frame, so a shorter duration means the figure was read
    wrong. (A console pattern that ended at the digits once matched
    "us=5" of "us=5000123" still arriving, and 20,462 frames in 5 s came
    out as 4,092,400,000 frames/s; every pattern here now ends at the end
    of its line.)"""
    if frames <= 0 or us < frames:
        return None
    return frames / (us / 1e6)


def frame_rates(l, curves, figs):
    m = l.guest(1, net="none", boot_timeout=figures.BOOT_S)
    peer_mac = l.peer_run(["cat", "/sys/class/net/eth0/address"], check=True).stdout.strip()
    rows = []
    for size in (1514, 60):
        # guest -> Linux
        rx = l.peer_popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
        assert rx.stdout.readline().strip() == "ready"
        count = 20000 if size == 1514 else 40000
        r = m.run("/test/bench_frames tx %s %d %d" % (peer_mac, size, count), timeout=300)
        g = re.search(r"^BENCH frames_tx size=\d+ frames=(\d+) us=(\d+)\r?$", r.output, re.M)
        got = rx.communicate(timeout=120)[0]
        h = re.search(r"^got (\d+) (\d+) ([\d.]+)$", got, re.M)
        if r.status != 0 or not g or not h:
            raise RuntimeError("guest to Linux, %d B: guest %r, Linux %r"
                               % (size, r.output[-200:], got))
        sent, us = int(g.group(1)), int(g.group(2))
        tx_fps = per_second(sent, us)
        rows.append(("guest to Linux", size, tx_fps, int(h.group(1)), sent))
        figs["tx_%d_fps" % size] = tx_fps
        figs["tx_%d_counted" % size] = int(h.group(1))
        figs["tx_%d_sent" % size] = sent
        # Linux -> guest: offer frames at a paced rate for PACE_S seconds
        # and count what the guest program reads; the best loss-free rate
        # is the figure (as the anchor figures of small kernels are).
        best, last, lossy = 0, (0, 0), False
        curve = []
        rates = set(RATES)
        if size == 1514 and tx_fps:
            rates.add(int(0.8 * tx_fps + 0.999))
        for rate in sorted(rates):
            m.send("/test/bench_frames rx %d\n" % (PACE_S + 3))
            m.wait_for("/test/bench_frames rx %d\n" % (PACE_S + 3), 10)
            tx = l.peer_run([sys.executable, "-c", PACED, lanlib.guest_mac(1), str(size),
                             str(rate), str(PACE_S)], timeout=60, check=True)
            nsent = int(re.search(r"sent (\d+)", tx.stdout).group(1))
            mm = m.wait_for(re.compile(r"BENCH frames_rx frames=(\d+) bytes=\d+ us=\d+\r?\n"),
                            60)
            m.wait_for(qemu.PROMPT, 30, start=mm.end() - 1)
            m._mark = len(m.console)
            got = int(mm.group(1))
            # The curve: what was offered and what the program read, both
            # per second of the paced interval. Every rate is tried, up to
            # 3x past the loss-free one: the shape above that rate is what
            # shows livelock (delivery falling) or its absence (flat).
            curve.append((nsent / PACE_S, min(got, nsent) / PACE_S))
            if got >= nsent and not lossy:
                # What Linux managed to offer, not what was asked of it
                # (a loaded host paces below the asked rate).
                best, last = nsent / float(PACE_S), (got, nsent)
            elif not lossy:
                lossy, last = True, (got, nsent)
            if lossy and rate >= 3 * max(best, RATES[0]):
                break
        rows.append(("Linux to guest (best loss-free offered rate)", size, best,
                     last[0], last[1]))
        curves[size] = curve
        figs["rx_%d_fps" % size] = best
        figs["rx_%d_curve" % size] = curve
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


def stalls(times, limit):
    """Runs of consecutive samples over limit ms: pings sent every 10 ms
    that all wait out one stall come back as one run, slowest first."""
    runs, cur = [], []
    for t in times:
        if t > limit:
            cur.append(t)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def lan_rtt(l, figs):
    """The ICMP figures of a guest just booted: the first echo (ARP both
    ways), then 200 at 10 ms intervals, then how long a program in the
    same guest that never blocks goes without running (tests/bench/
    bench_gap.c), to tell a stall of the host's from one of the guest's."""
    m = l.guest(2, boot_timeout=figures.BOOT_S)
    first = l.peer_run(["ping", "-c", "1", "-W", "5", lanlib.guest_addr(2)], timeout=60)
    f = re.search(r"time=([\d.]+) ms", first.stdout)
    p = l.peer_run(["ping", "-c", "200", "-i", "0.01", lanlib.guest_addr(2)], timeout=120)
    times = [float(x) for x in re.findall(r"time=([\d.]+) ms", p.stdout)]
    r = m.run("/test/bench_gap 3000", timeout=120)
    g = re.search(r"^BENCH gap ms=\d+ max_us=(\d+) over1ms=(\d+) over10ms=(\d+)\r?$",
                  r.output, re.M)
    m.close()
    med = statistics.median(times)
    runs = stalls(times, 10 * med)
    figs.update(icmp_first_ms=float(f.group(1)) if f else None, icmp_median_ms=med,
                icmp_p99_ms=percentile(times, 99), icmp_samples=len(times),
                icmp_slow=sum(len(x) for x in runs), icmp_stalls=len(runs),
                icmp_worst_stall_ms=max(max(x) for x in runs) if runs else 0.0,
                gap_max_us=int(g.group(1)) if g else None,
                gap_over1ms=int(g.group(2)) if g else None,
                gap_over10ms=int(g.group(3)) if g else None)
    return times


def user_rtt():
    args = ["-netdev", "user,id=n0",
            "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56"]
    with qemu.Machine(smp=2, extra_args=args, boot_timeout=figures.BOOT_S) as m:
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
            curves, figs = {}, {}
            rows = frame_rates(l, curves, figs)
            lan_times = lan_rtt(l, figs)
            figures.record("net", **figs)
        lines += ["## Raw e1000 frame rate (driver alone, test LAN)", "",
                  "Sending: frames/s the guest program wrote, and how many Linux counted."
                  " Receiving: the highest paced rate (of %s frames/s) the guest program"
                  " read without loss, and counted/sent at the next rate."
                  % ", ".join(str(r) for r in RATES), "",
                  "| direction | frame bytes | frames/s | MB/s | frames counted / sent |",
                  "| --- | --- | --- | --- | --- |"]
        for d, size, fps, got, sent in rows:
            if fps is None:
                lines.append("| %s | %d | (no valid duration) | | %d / %d |" % (d, size, got,
                                                                             sent))
                continue
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
        figures.record("net", skipped=why)
        lines += ["LAN figures skipped: %s." % why, "",
                  "| path | median ms | p99 ms | samples |", "| --- | --- | --- | --- |"]
    ut = user_rtt()
    lines.append("| guest to QEMU gateway, user networking | %.3f | %.3f | %d |" % (
        statistics.median(ut), percentile(ut, 99), len(ut)))
    if ok:
        lines += ["",
                  "The first echo after boot (ARP both ways) took %s ms. Of the %d echoes,"
                  " %d took over 10x the median, in %d run(s) of consecutive echoes (one"
                  " run = one stall that every echo sent during it waited out), the worst"
                  " %.1f ms. A program in the same guest that never blocks went at most"
                  " %s us without running in 3 s (%s gaps over 1 ms, %s over 10 ms)."
                  " Why the tail: [perf-datapath.md](perf-datapath.md)." % (
                      figs["icmp_first_ms"], figs["icmp_samples"], figs["icmp_slow"],
                      figs["icmp_stalls"], figs["icmp_worst_stall_ms"], figs["gap_max_us"],
                      figs["gap_over1ms"], figs["gap_over10ms"])]
    lines += ["", "All targets with their figures: [perf-targets.md](perf-targets.md)."]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
