#!/usr/bin/env python3
"""bench.py: the host side of `make bench` (standard library only).

Measures, on the hart count given with --smp:
  * boot time: QEMU start to the first shell prompt, median of 5 boots;
  * pipe throughput and getpid round trip, from the guest program
    /test/bench_kernel (tests/bench/bench_kernel.c), which prints
    `BENCH <what> key=value ...` lines.
Appends one row to the table in docs/perf.md (date, harts, figures),
keeping earlier rows, so the file shows how the numbers move over time.
"""

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import qemu   # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import figures   # noqa: E402

BOOTS = 5
HEADER = """# Performance

Written by `make bench` (tests/bench/bench.py); one row per run, newest
last. All figures come from QEMU's TCG emulation of a RISC-V `virt`
machine, so they measure this host as much as the kernel: compare rows
taken on the same host.

- boot: QEMU start to the first `$ ` prompt (no network card), median of %d boots.
- pipe: MB/s (10^6 bytes) through a pipe, 1 MiB transfers from a child.
- getpid: microseconds per system call round trip.
- load: the host's 1-minute load average when the run started (other
  work on the host slows every figure down).

Every target of the data path with this run's figure, met or missed:
[perf-targets.md](perf-targets.md).

| date (UTC) | harts | boot ms | pipe MB/s | getpid us | QEMU | load |
| --- | --- | --- | --- | --- | --- | --- |
""" % BOOTS
ROW_RE = re.compile(r"^\| \d{4}-\d\d-\d\d")
KEEP_ROWS = 30


def qemu_version():
    try:
        out = subprocess.run([qemu.QEMU, "--version"], stdout=subprocess.PIPE,
                             text=True, timeout=30).stdout
        m = re.search(r"version (\S+)", out)
        return m.group(1) if m else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def parse_bench(output):
    """{'getpid': {'calls': N, 'ms': T}, 'pipe': {...}} from BENCH lines."""
    found = {}
    for line in output.splitlines():
        m = re.match(r"^BENCH (\w+)((?: \w+=-?\d+)+)\s*$", line)
        if m:
            found[m.group(1)] = {k: int(v) for k, v in
                                 re.findall(r"(\w+)=(-?\d+)", m.group(2))}
    return found


def measure(smp, min_ms):
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    boots = []
    last = None
    for i in range(BOOTS):
        # TEST_TIMEOUT_SCALE stretches this deadline as it does the tests'.
        m = qemu.Machine(smp=smp, boot_timeout=120 * float(os.environ.get("TEST_TIMEOUT_SCALE",
                                                                         "1")))
        boots.append(m.boot_seconds * 1000)
        print("boot %d: %.0f ms" % (i + 1, boots[-1]), flush=True)
        if i < BOOTS - 1:
            m.close()
        else:
            last = m
    try:
        r = last.run("/test/bench_kernel %d" % min_ms, timeout=600)
    finally:
        last.close()
    print(r.output, end="", flush=True)
    b = parse_bench(r.output)
    if r.status != 0 or "getpid" not in b or "pipe" not in b:
        raise SystemExit("bench_kernel failed (status %d)" % r.status)
    g, p = b["getpid"], b["pipe"]
    if g["calls"] <= 0 or g["ms"] <= 0 or p["bytes"] <= 0 or p["ms"] <= 0:
        raise SystemExit("bench_kernel printed unusable figures: %r" % b)
    return {
        "boot_ms": statistics.median(boots),
        "pipe_mbs": p["bytes"] / 1e6 / (p["ms"] / 1000.0),
        "getpid_us": g["ms"] * 1000.0 / g["calls"],
        "load": load,
    }


def write_perf(path, smp, res):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [l.rstrip("\n") for l in f if ROW_RE.match(l)]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    rows.append("| %s | %d | %.0f | %.1f | %.2f | %s | %.1f |" % (
        now, smp, res["boot_ms"], res["pipe_mbs"], res["getpid_us"], qemu_version(),
        res["load"]))
    rows = rows[-KEEP_ROWS:]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(HEADER + "\n".join(rows) + "\n")
    os.replace(tmp, path)
    return rows[-1]


def main():
    ap = argparse.ArgumentParser(description="Benchmark xv6-streams.")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(qemu.REPO, "docs", "perf.md"))
    ap.add_argument("--ms", type=int, default=2000,
                    help="minimum duration of each guest measurement")
    args = ap.parse_args()
    try:
        res = measure(args.smp, args.ms)
    except qemu.GuestError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    figures.record("kernel", smp=args.smp, **res)
    row = write_perf(args.out, args.smp, res)
    print("boot %.0f ms, pipe %.1f MB/s, getpid %.2f us" % (
        res["boot_ms"], res["pipe_mbs"], res["getpid_us"]))
    print("added to %s:\n%s" % (os.path.relpath(args.out, qemu.REPO), row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
