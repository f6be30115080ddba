#!/usr/bin/env python3
"""bench_summary.py: the last step of `make bench` – one table of issue
18's targets, each with the figure this run measured and whether it was
met.

Reads build/bench/figures.json (tests/bench/figures.py; the bench
scripts of this run wrote it), prints the table and writes it to
docs/perf-targets.md; draws docs/perf-tcp.svg (TCP MB/s on 1 and 2
harts) with gnuplot when both were measured. A figure that is missing
says "not measured"; a missed target is printed as missed with its
measured value, never rounded up to the target. Standard library only.
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import figures   # noqa: E402

DOCS = os.path.join(figures.REPO, "docs")
OUT = os.path.join(DOCS, "perf-targets.md")
TCP_SVG = os.path.join(DOCS, "perf-tcp.svg")


def num(x, digits=2, target=None):
    """x with `digits` decimals, more if that would print a missed value
    equal to its target (0.796 is not 0.80)."""
    s = "%.*f" % (digits, x)
    while target is not None and x != target and float(s) == target and digits < 9:
        digits += 1
        s = "%.*f" % (digits, x)
    return s


def big(x):
    return "{:,}".format(int(round(x)))


def status(ok):
    return "met" if ok else "missed"


def rows(f):
    out = []
    net, streams = f.get("net"), f.get("streams")
    burst, flood = f.get("burst"), f.get("flood")
    t1, t2 = f.get("tcp_smp1"), f.get("tcp_smp2")

    def missing(name, target, sec, why=None):
        out.append((name, "not measured" + (" (%s)" % why if why else ""), target,
                    "not measured"))

    def skipped(sec):
        return sec.get("skipped") if sec else "no figures in this run"

    name = "raw receive 1514 B, best loss-free offered rate / send rate"
    target = ">= 0.8 of the send rate"
    if net and net.get("rx_1514_fps") is not None and net.get("tx_1514_fps"):
        r = net["rx_1514_fps"] / net["tx_1514_fps"]
        out.append((name, "%s of %s frames/s sent = %s" % (
            big(net["rx_1514_fps"]), big(net["tx_1514_fps"]), num(r, 2, 0.8)),
            target, status(r >= 0.8)))
    else:
        missing(name, target, net, skipped(net))

    name = "raw receive 60 B, best loss-free offered rate"
    target = ">= 20,000 frames/s"
    if net and net.get("rx_60_fps") is not None:
        out.append((name, "%s frames/s" % big(net["rx_60_fps"]), target,
                    status(net["rx_60_fps"] >= 20000)))
    else:
        missing(name, target, net, skipped(net))

    name = "20,000-frame back-to-back burst"
    target = "every frame delivered or dropped by reason; delivery resumes at once"
    if burst and "sent" in burst:
        reasons = ", ".join("%s %d" % (k, v) for k, v in sorted(burst["reasons"].items()) if v)
        ping = burst.get("resumed_ping_ms")
        out.append((name, "%d sent: %d delivered to eth + %d dropped by the driver%s + %d"
                    " dropped by the host; %d unaccounted; next ping %s" % (
                        burst["sent"], burst["seen"], burst["guest_drops"],
                        " (%s)" % reasons if reasons else "", burst["host_drops"],
                        burst["unaccounted"],
                        "answered in %s ms" % ping if ping is not None else "not answered"),
                    target, status(burst["unaccounted"] == 0 and ping is not None)))
    else:
        missing(name, target, burst, skipped(burst))

    name = "flood, 1514 B for 10 s: pings from a second peer"
    target = "pings answered during the flood"
    if flood and "pings_sent" in flood:
        out.append((name, "%d of %d answered" % (flood["pings_answered"], flood["pings_sent"]),
                    target, status(flood["pings_answered"] > 0)))
        name = "flood: rate delivered to eth / best loss-free receive rate"
        target = "delivered at the loss-free maximum (>= 1.0)"
        if net and net.get("rx_1514_fps") == 0:
            out.append((name, "%s of %s frames/s offered reached eth; no offered rate was"
                        " loss-free in this run, so no ratio" % (big(flood["delivered_fps"]),
                                                                 big(flood["offered_fps"])),
                        target, "not measured"))
        elif net and net.get("rx_1514_fps"):
            r = flood["delivered_fps"] / net["rx_1514_fps"]
            out.append((name, "%s of %s frames/s offered reached eth; loss-free receive %s"
                        " frames/s; = %s" % (big(flood["delivered_fps"]),
                                             big(flood["offered_fps"]),
                                             big(net["rx_1514_fps"]), num(r, 2, 1.0)),
                        target, status(r >= 1.0)))
        else:
            missing(name, target, net, skipped(net))
    else:
        missing(name, target, flood, skipped(flood))

    name = "loop stream round trip, one process, k = 0 / two getpid round trips"
    target = "<= 3x"
    if streams:
        r = streams["path_k0_us"] / streams["getpid2_us"]
        out.append((name, "%s us / %s us = %sx" % (num(streams["path_k0_us"], 1),
                                                  num(streams["getpid2_us"], 1),
                                                  num(r, 2, 3.0)),
                    target, status(r <= 3.0)))
        name = "per-module cost, k = 0..8 null modules (least-squares slope)"
        target = "<= 5% of the k = 0 round trip each"
        share = streams["module_share"]
        out.append((name, "%s us (%d cycles) a module = %s%%" % (
            num(streams["module_us"], 2), streams["module_cycles"],
            num(share * 100, 1, 5.0)), target, status(share <= 0.05)))
        name = "loop stream bytes / pipe bytes"
        target = ">= 1.0"
        if streams.get("loop_kbs") and streams.get("pipe_kbs"):
            r = streams["loop_kbs"] / float(streams["pipe_kbs"])
            out.append((name, "%d KB/s / %d KB/s = %s" % (streams["loop_kbs"],
                                                        streams["pipe_kbs"], num(r, 2, 1.0)),
                        target, status(r >= 1.0)))
        else:
            missing(name, target, streams)
    else:
        for name, target in (("loop stream round trip / two getpid round trips", "<= 3x"),
                             ("per-module cost", "<= 5% each"),
                             ("loop stream bytes / pipe bytes", ">= 1.0")):
            missing(name, target, streams, skipped(streams))

    for key, label in (("g2l", "guest->Linux"), ("l2g", "Linux->guest")):
        name = "TCP %s / raw e1000, 2 harts" % label
        target = ">= 0.70"
        if t2 and t2.get("lan_raw") and t2.get("lan_" + key) is not None:
            raw = t2["lan_raw"]
            r = t2["lan_" + key] / raw
            out.append((name, "%s MB/s / %s MB/s = %s" % (num(t2["lan_" + key], 1),
                                                         num(raw, 1), num(r, 2, 0.7)),
                        target, status(r >= 0.70)))
        else:
            missing(name, target, t2, "no LAN figures" if t2 else "no 2-hart TCP run")

    for key, label, unit, higher in (("g2h", "guest->host, user networking", "MB/s", True),
                                     ("h2g", "host->guest, user networking", "MB/s", True),
                                     ("loop", "loopback", "MB/s", True),
                                     ("cps", "connections", "/s", True),
                                     ("rtt", "ping-pong median", "us", False),
                                     ("lan_g2l", "guest->Linux, LAN", "MB/s", True),
                                     ("lan_l2g", "Linux->guest, LAN", "MB/s", True),
                                     ("lan_rtt", "LAN ping-pong median", "us", False)):
        name = "TCP 2 harts vs 1 hart: %s" % label
        target = "2 harts %s 1 hart" % (">=" if higher else "<=")
        if t1 and t2 and t1.get(key) is not None and t2.get(key) is not None:
            a, b = t2[key], t1[key]
            ok = a >= b if higher else a <= b
            out.append((name, "%s vs %s %s" % (num(a, 1, b), num(b, 1, a), unit), target,
                        status(ok)))
        else:
            missing(name, target, None, "needs both hart counts in this run")

    name = "LAN ICMP echo, Linux to guest: p99 / median"
    target = "p99 <= 10x median"
    if net and net.get("icmp_median_ms"):
        r = net["icmp_p99_ms"] / net["icmp_median_ms"]
        out.append((name, "p99 %s ms, median %s ms = %sx (%d samples)" % (
            num(net["icmp_p99_ms"], 3), num(net["icmp_median_ms"], 3), num(r, 1, 10.0),
            net["icmp_samples"]), target, status(r <= 10.0)))
    else:
        missing(name, target, net, skipped(net))
    return out


def plot_tcp(t1, t2):
    if not (t1 and t2) or shutil.which("gnuplot") is None:
        return False
    keys = [(k, l) for k, l in (("g2h", "guest->host"), ("h2g", "host->guest"),
                                ("loop", "loopback"), ("lan_g2l", "guest->Linux (LAN)"),
                                ("lan_l2g", "Linux->guest (LAN)"))
            if t1.get(k) is not None and t2.get(k) is not None]
    with tempfile.TemporaryDirectory() as d:
        dat = os.path.join(d, "tcp.dat")
        with open(dat, "w") as f:
            for k, l in keys:
                f.write('"%s" %f %f\n' % (l, t1[k], t2[k]))
        script = "\n".join([
            "set terminal svg size 640,400 font 'Helvetica,11'",
            "set output '%s'" % TCP_SVG,
            "set title 'TCP throughput, one session, 1 and 2 harts'",
            "set ylabel 'MB/s'", "set yrange [0:]", "set grid ytics",
            "set style data histograms", "set style histogram clustered gap 1",
            "set style fill solid 0.6 border -1", "set key left top",
            "set xtics rotate by -20",
            "plot '%s' using 2:xtic(1) title '1 hart', '' using 3 title '2 harts'" % dat,
        ])
        subprocess.run(["gnuplot"], input=script, text=True, check=True, timeout=60)
    return True


def main():
    f = figures.load()
    table = rows(f)
    met = sum(1 for r in table if r[3] == "met")
    missed = sum(1 for r in table if r[3] == "missed")
    when = sorted(s.get("when", "") for s in f.values() if isinstance(s, dict))
    loads = [s["load"] for s in f.values() if isinstance(s, dict) and "load" in s]
    w = [max(len(r[i]) for r in table + [("figure", "measured", "target", "met/missed")])
         for i in range(4)]
    w[1] = min(w[1], 70)
    print("\nmake bench: issue 18's targets (%d met, %d missed, %d not measured)"
          % (met, missed, len(table) - met - missed))
    for r in [("figure", "measured", "target", "met/missed")] + table:
        print("  %-*s  %-*s  %-*s  %s" % (w[0], r[0], w[1], r[1], w[2], r[2], r[3]))
    svg = plot_tcp(f.get("tcp_smp1"), f.get("tcp_smp2"))
    lines = ["# Targets of the data path (issue 18)", "",
             "Written by `make bench` (tests/bench/bench_summary.py) from the figures of one"
             " run, %s to %s UTC, host load average %s. Every ratio divides two figures of"
             " that run. QEMU TCG emulation on a shared host: the figures measure the host"
             " as much as the kernel." % (when[0] if when else "?", when[-1] if when else "?",
                                          "-".join("%.1f" % x for x in (min(loads), max(loads)))
                                          if loads else "?"), "",
             "%d met, %d missed, %d not measured." % (met, missed, len(table) - met - missed), "",
             "| figure | measured | target | met/missed |", "| --- | --- | --- | --- |"]
    for r in table:
        lines.append("| %s | %s | %s | %s |" % tuple(x.replace("|", "/") for x in r))
    lines += ["", "Where each figure comes from, and what it means:", "",
              "- raw receive and send, LAN ICMP: [perf-network.md](perf-network.md)"
              " (tests/bench/bench_net.py), receive curve"
              " [perf-receive.svg](perf-receive.svg);",
              "- burst and flood: tests/bench/bench_flood.py, on the LAN of"
              " tests/test_flood.py; floods, scheduling, locks and the ICMP tail:"
              " [perf-datapath.md](perf-datapath.md);",
              "- loop stream, modules, pipe: [perf-streams.md](perf-streams.md)"
              " (tests/bench/bench_stream_cost.py), cost against k"
              " [perf-stream-cost.svg](perf-stream-cost.svg);",
              "- TCP: [perf-tcp.md](perf-tcp.md) (tests/bench/bench_tcp.py, run on 1 and"
              " then 2 harts)%s." % (", MB/s on both [perf-tcp.svg](perf-tcp.svg)"
                                      if svg or os.path.exists(TCP_SVG) else "")]
    with open(OUT, "w") as fo:
        fo.write("\n".join(lines) + "\n")
    print("written to %s" % os.path.relpath(OUT, figures.REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
