#!/usr/bin/env python3
"""bench_chat.py: xv6Chat figures, written to docs/perf-chat.md.

Boots one guest on QEMU user networking with chatd started at boot
(chat=on) and its port forwarded to the host's loopback, then measures
from the host (tests/irc_load.py does the talking):

  * round trips: a plain TCP ping-pong of one byte (the guest's
    `bench_tcp echo`, from the TCP benchmarks) and an IRC PING answered
    by chatd's PONG, in the same boot: the floor under every other
    figure, and what chatd's parsing and poll loop add to it;
  * fan-out latency: one sender, N receivers in a channel (N = 1, 8,
    32, 64); the time from sending one PRIVMSG until the last receiver
    has it; median and 99th percentile over many rounds;
  * throughput: 64 clients each send 50 messages to one channel; message
    deliveries per second (each message reaches 63 clients) and messages
    sent per second, median of a few runs.

    python3 tests/bench/bench_chat.py [--smp 2] [--rounds 200] [--out FILE]

The file is rewritten with the latest run (date, QEMU version, host
load). Standard library only; traffic goes to 127.0.0.1 only.
"""

import argparse
import datetime
import os
import re
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import irc_load   # noqa: E402
import qemu       # noqa: E402

OUT = os.path.join(qemu.REPO, "docs", "perf-chat.md")
FANOUT = (1, 8, 32, 64)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def qemu_version():
    try:
        out = subprocess.run([qemu.QEMU, "--version"], stdout=subprocess.PIPE,
                             text=True, timeout=30).stdout
        m = re.search(r"version (\S+)", out)
        return m.group(1) if m else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def ms(seconds):
    return seconds * 1000.0


def summary(times):
    return ms(statistics.median(times)), ms(irc_load.percentile(times, 99))


def tcp_pingpong(m, port, rounds):
    """One-byte round trips to the guest's `bench_tcp echo 7000` (None if
    the program is not in the image). Returns the list of seconds."""
    if m.run("ls /test/bench_tcp", timeout=30).status != 0:
        return None
    start = len(m.console)
    m.send("/test/bench_tcp echo 7000; echo __BCHAT=$?__\n")
    m.wait_for("listening on 7000", 30, start=start, what="bench_tcp echo")
    times = []
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(rounds):
            t0 = time.monotonic()
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise SystemExit("bench_tcp echo did not echo")
            times.append(time.monotonic() - t0)
    mm = m.wait_for(re.compile(r"__BCHAT=-?\d+__\n"), 60, start=start, what="bench_tcp to end")
    m.wait_for(qemu.PROMPT, 10, start=mm.end() - 1, what="prompt")
    m._mark = len(m.console)
    return times


def measure(smp, rounds, loads):
    port, echo_port = free_port(), free_port()
    args = ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:6667,"
            "hostfwd=tcp:127.0.0.1:%d-:7000" % (port, echo_port),
            "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56",
            "-append", "chat=on"]
    m = qemu.Machine(smp=smp, extra_args=args, boot_timeout=120)
    try:
        m.wait_for(re.compile(r"chatd: listening"), 30, start=0, what="chatd")
        res = {}
        pp = tcp_pingpong(m, echo_port, 5 * rounds)
        res["tcp"] = summary(pp) if pp else None
        if pp:
            print("tcp ping-pong: median %.2f ms, p99 %.2f ms" % res["tcp"], flush=True)
        rtt = irc_load.ping_rtt("127.0.0.1", port, rounds=rounds)
        res["rtt"] = summary(rtt)
        print("ping/pong rtt: median %.2f ms, p99 %.2f ms" % res["rtt"], flush=True)
        res["fanout"] = {}
        for n in FANOUT:
            t = irc_load.fanout_latency("127.0.0.1", port, n, rounds=rounds,
                                        chan="#fan%d" % n, prefix="f%d_" % n)
            res["fanout"][n] = summary(t)
            print("fan-out to %d: median %.2f ms, p99 %.2f ms" % ((n,) + res["fanout"][n]),
                  flush=True)
        runs = []
        for k in range(loads):
            r = irc_load.run_load("127.0.0.1", port, clients=64, messages=50,
                                  chan="#tput%d" % k, prefix="t%d_" % k)
            if not r["ok"]:
                raise SystemExit("load run %d lost or reordered messages: %s" % (k, r["problems"]))
            runs.append(r)
            print("64 x 50: %.2f s, %.0f deliveries/s, %.0f sent/s" % (
                r["seconds"], r["msgs_per_s"], r["sent_per_s"]), flush=True)
        res["deliveries"] = statistics.median(r["msgs_per_s"] for r in runs)
        res["sent"] = statistics.median(r["sent_per_s"] for r in runs)
        res["load_s"] = statistics.median(r["seconds"] for r in runs)
        return res
    finally:
        m.close()


def write(path, smp, rounds, loads, res):
    try:
        hostload = "%.1f" % os.getloadavg()[0]
    except OSError:
        hostload = "?"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# xv6Chat performance",
        "",
        "Written by `tests/bench/bench_chat.py` (the latest run replaces the",
        "previous one). One guest, %d hart(s), QEMU %s (TCG), on QEMU user" % (smp, qemu_version()),
        "networking: the host's clients reach chatd through the forwarded port,",
        "so every figure includes slirp and the guest's whole stack (e1000, eth,",
        "arp, ip, tcp) as well as chatd's poll loop. Host load average at the",
        "start: %s. Run: %s." % (hostload, now),
        "",
        "## Round trip and fan-out latency",
        "",
        "TCP ping-pong: one byte to the guest's `bench_tcp echo` and back",
        "(%d rounds), the transport alone. IRC round trip: a `PING` and" % (5 * rounds),
        "chatd's `PONG` (%d rounds). Fan-out: one client sends a `PRIVMSG` to a" % rounds,
        "channel of N other clients; the time until the last of them has it",
        "(%d rounds per N; the next message goes once the previous one arrived" % rounds,
        "everywhere).",
        "",
        "| measurement | median ms | p99 ms |",
        "| --- | --- | --- |",
    ]
    if res["tcp"]:
        lines.append("| TCP ping-pong (1 byte) | %.2f | %.2f |" % res["tcp"])
    lines.append("| IRC PING/PONG through chatd | %.2f | %.2f |" % res["rtt"])
    for n in FANOUT:
        lines.append("| fan-out to N = %d | %.2f | %.2f |" % ((n,) + res["fanout"][n]))
    lines += [
        "",
        "## Throughput with 64 clients",
        "",
        "64 clients in one channel each send 50 messages (about 60 bytes on the",
        "wire) as fast as TCP lets them; every message reaches the 63 others.",
        "Median of %d runs; every run delivered every message exactly once, in" % loads,
        "per-sender order.",
        "",
        "| figure | value |",
        "| --- | --- |",
        "| time for 64 x 50 messages | %.2f s |" % res["load_s"],
        "| messages delivered per second | %.0f |" % res["deliveries"],
        "| messages sent per second | %.0f |" % res["sent"],
        "",
    ]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="Benchmark xv6Chat (chatd in a guest).")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    try:
        res = measure(args.smp, args.rounds, args.loads)
    except (qemu.GuestError, irc_load.IrcError) as e:
        print("bench_chat: %s" % e, file=sys.stderr)
        return 1
    write(args.out, args.smp, args.rounds, args.loads, res)
    print("wrote %s" % os.path.relpath(args.out, qemu.REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
