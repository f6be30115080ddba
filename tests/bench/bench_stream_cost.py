#!/usr/bin/env python3
"""bench_stream_cost.py: the STREAMS framework's costs for `make bench`.

Runs the guest program /test/bench_streams (tests/bench/bench_streams.c)
on 2 harts and writes docs/perf-streams.md:
  * the path: one process writes a 64-byte message to a loop stream with
    k null modules pushed (k = 0..8) and reads it back, no context switch
    in between; cycles and microseconds per round trip by the hart's own
    counters, beside two getpid round trips of the same boot. The slope
    of a least-squares line through cost against k is the cost of one
    module (crossed twice, down and back up); docs/perf-stream-cost.svg
    plots it (gnuplot);
  * the ping-pong: the same through two processes (scheduling included);
  * loop stream against pipe throughput.
Records the figures for the summary (tests/bench/figures.py).
Standard library only.
"""

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import figures   # noqa: E402
import qemu      # noqa: E402

OUT = os.path.join(qemu.REPO, "docs", "perf-streams.md")
SVG = os.path.join(qemu.REPO, "docs", "perf-stream-cost.svg")
KS = range(9)


def fit(xs, ys):
    """(intercept, slope) of the least-squares line."""
    n = float(len(xs))
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - slope * mx, slope


def plot(path_us, a, b):
    if shutil.which("gnuplot") is None:
        print("gnuplot missing (package gnuplot-nox): no plot", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as d:
        dat = os.path.join(d, "k.dat")
        with open(dat, "w") as f:
            for k in KS:
                f.write("%d %f\n" % (k, path_us[k]))
        script = "\n".join([
            "set terminal svg size 640,400 font 'Helvetica,11'",
            "set output '%s'" % SVG,
            "set title 'Loop stream round trip, one process, k null modules'",
            "set xlabel 'k (null modules pushed)'", "set ylabel 'us per round trip'",
            "set key left top", "set grid", "set xrange [-0.5:8.5]", "set yrange [0:]",
            "plot '%s' using 1:2 with linespoints title 'measured (best batch)', "
            "%f + %f * x with lines dashtype 2 title 'least-squares line'" % (dat, a, b),
        ])
        subprocess.run(["gnuplot"], input=script, text=True, check=True, timeout=60)
    return True


def main():
    with qemu.Machine(smp=2, boot_timeout=figures.BOOT_S) as m:
        r = m.run("/test/bench_streams", timeout=900)
    if r.status != 0:
        print("bench_streams failed (%d): %s" % (r.status, r.output[-300:]), file=sys.stderr)
        return 1
    vals = dict((k, int(v)) for k, v in re.findall(r"^BENCH (\S+) (\d+) ", r.output, re.M))
    path = {}
    g2 = []
    for name, c, ns in re.findall(r"^BENCH (\w+) cycles=(\d+) ns=(\d+)\s*$", r.output, re.M):
        if name == "getpid2":
            g2.append((int(c), int(ns)))
        elif name.startswith("path_k"):
            path[int(name[6:])] = (int(c), int(ns))
    if sorted(path) != list(KS) or not g2:
        print("bench_streams printed no path figures: %r" % r.output[-300:], file=sys.stderr)
        return 1
    path_us = [path[k][1] / 1000.0 for k in KS]
    path_cy = [path[k][0] for k in KS]
    getpid2_us = min(ns for _, ns in g2) / 1000.0
    getpid2_cy = min(c for c, _ in g2)
    a, b = fit(list(KS), path_us)
    ac, bc = fit(list(KS), path_cy)
    per_module = b / path_us[0]
    now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    lines = ["# STREAMS costs", "",
             "Written by `make bench` (tests/bench/bench_stream_cost.py) on %s UTC, 2 harts"
             " under QEMU TCG." % now, "",
             "## The path through k modules, one process", "",
             "One process writes a 64-byte message to a loop stream with k null modules"
             " pushed and reads it back (tests/bench/bench_streams.c). The service"
             " procedures the write enables run on the writer's hart before `write`"
             " returns, so the round trip has no context switch: what it costs is two"
             " system calls, the stream head, the loop driver's two queues and 2k"
             " module crossings. Cycles (`rdcycle`: under TCG, the host's time-stamp"
             " counter) and microseconds (`rdtime`, 10 MHz) are per round trip, the"
             " best of several batches of 100 (a loaded host only ever adds time).", "",
             "| k | cycles | us | vs k=0 |", "| --- | --- | --- | --- |"]
    for k in KS:
        lines.append("| %d | %d | %.1f | %+.1f%% |" % (
            k, path_cy[k], path_us[k], (path_us[k] - path_us[0]) * 100.0 / path_us[0]))
    lines += ["",
              "Two getpid round trips in the same boot: %d cycles, %.1f us. The loop round"
              " trip at k = 0 is %.2f times that." % (getpid2_cy, getpid2_us,
                                                       path_us[0] / getpid2_us),
              "",
              "Least-squares line: %.1f us + %.2f us per module (%d cycles + %d per module):"
              " one module adds %.1f%% of the k = 0 round trip."
              % (a, b, ac, bc, per_module * 100)]
    if plot(path_us, a, b):
        lines += ["", "![round trip against k](perf-stream-cost.svg)"]
    lines += ["", "## Ping-pong through two processes", "",
              "The same loop stream, written by one process and read by another, so"
              " every message also pays for waking the reader (scheduling latency, not"
              " module cost).", "",
              "| k | 64 B: us/msg | vs k=0 | 1500 B: us/msg | vs k=0 |",
              "| --- | --- | --- | --- | --- |"]
    for k in KS:
        x, y = vals.get("streams_k%d_64B" % k), vals.get("streams_k%d_1500B" % k)
        x0, y0 = vals.get("streams_k0_64B"), vals.get("streams_k0_1500B")
        if x is None or y is None:
            continue
        lines.append("| %d | %.1f | %+.0f%% | %.1f | %+.0f%% |" % (
            k, x / 1000.0, (x - x0) * 100.0 / x0, y / 1000.0, (y - y0) * 100.0 / y0))
    loop, pipe = vals.get("loop_throughput"), vals.get("pipe_throughput")
    if loop and pipe:
        lines += ["", "Bulk bytes: loop stream %d KB/s, pipe %d KB/s (stream/pipe = %.2f)."
                  % (loop, pipe, loop / float(pipe))]
    lines += ["", "Targets (issue 18): the loop round trip at most 3x two getpid round"
              " trips; each module at most 5% more; a stream with no module moves bytes"
              " at least as fast as a pipe. All targets with their figures:"
              " [perf-targets.md](perf-targets.md)."]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    figures.record("streams", path_k0_us=path_us[0], path_us=path_us, path_cycles=path_cy,
                   getpid2_us=getpid2_us, getpid2_cycles=getpid2_cy,
                   module_us=b, module_cycles=bc, module_share=per_module,
                   loop_kbs=loop, pipe_kbs=pipe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
