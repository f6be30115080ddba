"""test_bench.py: keeps `make bench` working between benchmark runs.

A test module of tests/run.py: runs the guest benchmark program briefly
and checks that it prints the lines tests/bench/bench.py parses.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench"))

import bench   # noqa: E402

SMP = (2,)     # one smoke run is enough; figures are not checked


def test_bench_kernel_runs(h):
    r = h.run("/test/bench_kernel 50", timeout=120)
    assert r.status == 0, "exit status %d: %r" % (r.status, r.output[-300:])
    b = bench.parse_bench(r.output)
    assert set(b) >= {"getpid", "pipe"}, "BENCH lines missing in %r" % r.output
    assert b["getpid"]["calls"] > 0 and b["pipe"]["bytes"] >= 1 << 20, repr(b)
