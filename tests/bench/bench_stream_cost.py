#!/usr/bin/env python3
"""bench_stream_cost.py: the STREAMS framework's costs for `make bench`.

Runs the guest program /test/bench_streams (tests/bench/bench_streams.c),
which prints `BENCH streams_kK_SIZEB NS ns/msg` (round trip of one message
through a loop stream with K null modules pushed) and
`BENCH loop_throughput / pipe_throughput KB/s`, and writes
docs/perf-streams.md: the per-message cost for k = 0..8 with each k's
cost relative to k = 0, and loop stream against pipe throughput – all
measured side by side in one boot. Standard library only.
"""

import datetime
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import qemu   # noqa: E402

OUT = os.path.join(qemu.REPO, "docs", "perf-streams.md")


def main():
    with qemu.Machine(smp=2) as m:
        r = m.run("/test/bench_streams", timeout=600)
    vals = dict((k, int(v)) for k, v in re.findall(r"^BENCH (\S+) (\d+) ", r.output, re.M))
    lines = ["# STREAMS costs", "",
             "Written by `make bench` (tests/bench/bench_stream_cost.py) on %s UTC, 2 harts"
             " under QEMU TCG. Cost of one message's round trip through a loop stream with"
             " k null modules pushed (each module is crossed twice: down and back up)."
             % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), "",
             "| k | 64 B: us/msg | vs k=0 | 1500 B: us/msg | vs k=0 |",
             "| --- | --- | --- | --- | --- |"]
    for k in range(9):
        a = vals.get("streams_k%d_64B" % k)
        b = vals.get("streams_k%d_1500B" % k)
        a0 = vals.get("streams_k0_64B")
        b0 = vals.get("streams_k0_1500B")
        if a is None or b is None:
            continue
        lines.append("| %d | %.1f | %+.0f%% | %.1f | %+.0f%% |" % (
            k, a / 1000.0, (a - a0) * 100.0 / a0, b / 1000.0, (b - b0) * 100.0 / b0))
    loop, pipe = vals.get("loop_throughput"), vals.get("pipe_throughput")
    if loop and pipe:
        lines += ["", "Bulk bytes: loop stream %d KB/s, pipe %d KB/s (stream/pipe = %.2f)."
                  % (loop, pipe, loop / float(pipe))]
    lines += ["", "Targets from the issue: each module adds at most 5% to the k=0 cost; a"
              " stream with no module moves bytes at least as fast as a pipe. Figures vary"
              " from run to run by more than 5% on a shared host: read the trend over k,"
              " not a single row."]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
