"""test_streams.py: host-side checks of STREAMS in a booted guest.

A test module of tests/run.py (each test_* gets a harness.Harness):
  * the shell tour of docs/streams.md, step by step, with its outputs;
  * a stack file applied with `push -f`;
  * `streams -dot` in the guest, rendered by Graphviz `dot -Tsvg` on the
    host without an error or warning;
  * a short run of the benchmark program, for its BENCH lines.
The in-guest programs tests/guest/st_*.c are run by the runner itself.
"""

import os
import re
import subprocess
import tempfile

import deps

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ok(r, what):
    assert r.status == 0, "%s: exit status %r, output %r" % (what, r.status, r.output)
    return r.output


# Background daemons started by /etc/rc (e.g. "fishd: ...") may print on
# the console while a command runs; such "name: message" lines are not
# the command's and are left out of comparisons.
DAEMON_LINE = re.compile(r"^[a-z0-9_]+d: ")


def expect_output(r, want, what):
    out = ok(r, what)
    mine = "".join(l for l in out.splitlines(True) if not DAEMON_LINE.match(l))
    assert mine == want, "%s: printed %r, expected %r" % (what, out, want)


def test_tour(h):
    h.run("push -u tour")   # left over from an interrupted run: ignore
    out = ok(h.run("push -k tour /dev/loop rot13"), "push -k")
    assert "kept as /dev/kept/tour" in out, out
    expect_output(h.run("push -l /dev/kept/tour"), "rot13\nloop\n", "push -l")
    expect_output(h.run("loopcat /dev/kept/tour hello"), "uryyb\n", "loopcat")
    # data written by one command waits at the stream head for the next
    ok(h.run("echo hello world > /dev/kept/tour"), "echo >")
    listing = ok(h.run("streams"), "streams")
    assert re.search(r"kept as /dev/kept/tour", listing), listing
    assert re.search(r"head\s+r\s+1 msg\s+12 B", listing), listing
    expect_output(h.run("loopcat /dev/kept/tour"), "uryyb jbeyq\n", "loopcat")
    # rot13 twice is no rot13 at all
    ok(h.run("push /dev/kept/tour rot13"), "push onto a kept stream")
    expect_output(h.run("loopcat /dev/kept/tour hello"), "hello\n", "loopcat")
    ok(h.run("push -p /dev/kept/tour"), "push -p")
    expect_output(h.run("push -l /dev/kept/tour"), "rot13\nloop\n", "push -l")
    # mistakes are explained
    r = h.run("push /dev/kept/tour nosuch")
    assert r.status != 0 and "no module named \"nosuch\"" in r.output, r
    r = h.run("push /dev/kept/tour arp")
    if "no module named" not in r.output:      # a kernel without arp: nothing to check
        assert r.status != 0 and "needs" in r.output, r
    verbose = ok(h.run("streams -v"), "streams -v")
    assert "total" in verbose and "hiwat" in verbose, verbose
    ok(h.run("push -u tour"), "push -u")
    r = h.run("ls /dev/kept")
    assert "tour" not in r.output, r.output


def test_stack_file(h):
    lines = [
        "# a stack file: one command per line",
        "keep stk /dev/loop count rot13",
        "push /dev/kept/stk null      # one more on top",
        "link /dev/muxloop /dev/loop rot13",
    ]
    h.run("rm stack_test.conf")
    for i, line in enumerate(lines):
        ok(h.run("echo '%s' %s stack_test.conf" % (line, ">" if i == 0 else ">>")), "echo")
    r = h.run("push -f stack_test.conf")
    out = ok(r, "push -f")
    assert "kept as /dev/kept/stk" in out and "mux id" in out, out
    muxid = re.search(r"mux id (\d+)", out).group(1)
    expect_output(h.run("push -l /dev/kept/stk"), "null\nrot13\ncount\nloop\n", "push -l")
    expect_output(h.run("loopcat /dev/muxloop abc"), "nop\n", "loopcat")
    ok(h.run("push -U /dev/muxloop %s" % muxid), "push -U")
    expect_output(h.run("loopcat /dev/muxloop abc"), "abc\n", "loopcat")
    ok(h.run("push -u stk"), "push -u")
    r = h.run("echo frobnicate /dev/loop > bad.conf")
    r = h.run("push -f bad.conf")
    assert r.status != 0 and "bad.conf:1" in r.output, r
    h.run("rm stack_test.conf bad.conf")


def test_dot_renders(h):
    deps.need(h, "graphviz")
    h.run("push -u dotdemo")   # left over from an interrupted run: ignore
    ok(h.run("push -k dotdemo /dev/loop count rot13"), "push -k")
    out = ok(h.run("push -L /dev/muxloop /dev/loop null"), "push -L")
    muxid = re.search(r"mux id (\d+)", out).group(1)
    ok(h.run("loopcat /dev/kept/dotdemo hello"), "loopcat")
    dot = ok(h.run("streams -dot"), "streams -dot")
    h.run("push -U /dev/muxloop %s" % muxid)
    h.run("push -u dotdemo")
    assert dot.startswith("digraph streams {"), dot[:200]
    assert "cluster_s" in dot and "multiplexor" in dot, dot
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "streams.dot")
        with open(src, "w") as f:
            f.write(dot)
        p = subprocess.run(["dot", "-Tsvg", src, "-o", os.path.join(d, "streams.svg")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        assert p.returncode == 0 and p.stderr.strip() == "", \
            "dot failed (%d): %s" % (p.returncode, p.stderr)
        assert os.path.getsize(os.path.join(d, "streams.svg")) > 0


def test_bench_runs(h):
    r = h.run("/test/bench_streams 20", timeout=300)
    out = ok(r, "bench_streams")
    names = re.findall(r"^BENCH (\S+) (\d+) (\S+)$", out, re.M)
    got = {n for n, _, _ in names}
    want = {"streams_k%d_%dB" % (k, s) for k in range(9) for s in (64, 1500)}
    want |= {"loop_throughput", "pipe_throughput"}
    assert want <= got, "missing BENCH lines: %s" % sorted(want - got)
    assert "DONE bench_streams" in out
