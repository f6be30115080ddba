"""test_see.py: seeing and breaking the stack (the observability issue):
the tap module's pcap read by tshark, a stalled tap reader, the seeded
fault module, and the live graph of `streams -dot`, on a running default
stack (QEMU user networking; netup keeps the card stream as
/dev/kept/net0, so modules can be pushed on it while it carries traffic).
"""

import os
import re
import subprocess
import tempfile

import lan as lanlib

QEMU_ARGS = ["-netdev", "user,id=n0",
             "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56"]
US = "52:54:00:12:34:56"


def run_ok(h, cmd, timeout=60):
    r = h.run(cmd, timeout=timeout)
    assert r.status == 0, "%r exited %d: %s" % (cmd, r.status, r.output.strip()[-400:])
    return r.output


def fetch(h, path):
    """A guest file's bytes, carried over the console as hex (xd)."""
    out = run_ok(h, "xd %s" % path)
    return bytes.fromhex("".join(out.split()))


def pop_all(h):
    while "e1000\n" != run_ok(h, "push -l /dev/kept/net0"):
        run_ok(h, "push -p /dev/kept/net0")


def drain_taps(h):
    """A popped tap keeps what it captured for one last reader; reading it
    to the end (no tap is pushed now, so every /dev/tap/N ends) gives its
    message blocks back, as the round's counter check wants."""
    run_ok(h, "cat %s > /dev/null" % " ".join("/dev/tap/%d" % i for i in range(8)))


def test_tap_during_ping(h):
    """tap pushed on the live card stream, below eth: a ping's ARP and ICMP
    frames, read by tshark, with the right count."""
    pop_all(h)
    run_ok(h, "push /dev/kept/net0 tap")
    # QEMU's DNS address: nothing has talked to it, so the ping must ask
    # for its hardware address first
    out = run_ok(h, "ping -c 3 -i 100 10.0.2.3")
    assert "3 received" in out, out
    out = run_ok(h, "pcapsave /dev/tap/0 /see.pcap")
    data = fetch(h, "/see.pcap")
    run_ok(h, "push -p /dev/kept/net0")
    with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
        f.write(data)
        f.flush()
        rows = lanlib.tshark_fields(f.name, ["eth.src", "eth.dst", "arp.opcode", "icmp.type",
                                             "ip.checksum.status", "icmp.checksum.status"],
                                    extra=["-o", "ip.check_checksum:TRUE"])
    arp_req = [r for r in rows if r[2] == "1" and r[0] == US]
    arp_rep = [r for r in rows if r[2] == "2" and r[1] == US]
    echo_req = [r for r in rows if r[3] == "8" and r[0] == US]
    echo_rep = [r for r in rows if r[3] == "0" and r[1] == US]
    h.check("arp_request", len(arp_req) == 1, repr(rows))
    h.check("arp_reply", len(arp_rep) == 1, repr(rows))
    h.check("echo_requests", len(echo_req) == 3, repr(rows))
    h.check("echo_replies", len(echo_rep) == 3, repr(rows))
    h.check("nothing_else", len(rows) == 8, "%d frames: %r" % (len(rows), rows))
    h.check("checksums_good", all(r[4] == "1" and r[5] == "1" for r in echo_req + echo_rep),
            repr(rows))


def test_tap_stalled_reader(h):
    """Nobody reads the tap and its buffer is tiny: traffic goes on, the
    tap drops copies and counts every one."""
    pop_all(h)
    run_ok(h, "ping -c 1 10.0.2.2")     # the gateway's address is known
    run_ok(h, "push /dev/kept/net0 tap")
    run_ok(h, "netctl /dev/eth tap buffer 600")
    out = run_ok(h, "ping -c 20 -i 20 -q 10.0.2.2")
    assert "20 received, 0% packet loss" in out, out
    show = run_ok(h, "netctl /dev/eth tap show")
    m = re.search(r"captured (\d+) dropped (\d+)", show)
    run_ok(h, "push -p /dev/kept/net0")
    drain_taps(h)
    captured, dropped = int(m.group(1)), int(m.group(2))
    h.check("drops_counted", dropped > 0, show)
    h.check("every_frame_accounted", captured + dropped == 40, show)


def no_reply_seqs(out):
    return sorted(int(x) for x in re.findall(r"no reply for icmp_seq=(\d+)", out))


def test_fault_drop_all_stops_pings(h):
    pop_all(h)
    run_ok(h, "push /dev/kept/net0 fault")
    run_ok(h, "netctl /dev/eth fault drop 1.0")
    r = h.run("ping -c 3 -i 50 -W 300 10.0.2.2")
    h.check("no_replies", r.status == 1 and "0 received" in r.output, r.output)
    run_ok(h, "push -p /dev/kept/net0")
    h.check("pop_restores", "3 received" in run_ok(h, "ping -c 3 -i 50 10.0.2.2"))


def test_fault_seeded_runs_repeat(h):
    """With the same seed, drop 0.3 loses the same pings in two runs."""
    pop_all(h)
    run_ok(h, "push /dev/kept/net0 fault")
    runs = []
    for _ in range(2):
        run_ok(h, "netctl /dev/eth fault reset")
        run_ok(h, "netctl /dev/eth fault seed 7")
        run_ok(h, "netctl /dev/eth fault drop 0.3")
        r = h.run("ping -c 20 -i 20 -W 300 10.0.2.2", timeout=60)
        runs.append(no_reply_seqs(r.output))
    stats = run_ok(h, "netctl /dev/eth fault stats")
    run_ok(h, "push -p /dev/kept/net0")
    h.check("some_lost", 0 < len(runs[0]) < 20, repr(runs))
    h.check("same_sequence_numbers", runs[0] == runs[1], repr(runs))
    h.check("drops_counted", re.search(r"dropped [1-9]", stats) is not None, stats)


def ip_drops(h):
    out = run_ok(h, "ifconfig")
    return sum(int(v) for k, v in re.findall(r"^drop (\S+) (\d+)$", out, re.M))


def test_fault_corrupt_counted_by_receiver(h):
    """Frames corrupted on their way up are thrown away by the layer that
    checks them (checksums), counted, and the pings fail."""
    pop_all(h)
    run_ok(h, "push /dev/kept/net0 fault")
    before = ip_drops(h)
    run_ok(h, "netctl /dev/eth fault up corrupt 1.0")
    r = h.run("ping -c 5 -i 50 -W 300 10.0.2.2")
    out = run_ok(h, "ifconfig")
    run_ok(h, "push -p /dev/kept/net0")
    checks = sum(int(v) for k, v in re.findall(r"^drop (checksum|icmp-malformed) (\d+)$",
                                                  out, re.M))
    h.check("pings_fail", "5 received" not in r.output, r.output)
    h.check("checksum_drops", checks > 0, out)
    h.check("clean_after_pop", "2 received" in run_ok(h, "ping -c 2 -i 50 10.0.2.2"))


def test_streams_dot_renders_and_counts_match(h):
    """The live graph names every pushed module, renders with dot, and its
    edge counts around the tap equal the frames the tap captured."""
    pop_all(h)
    run_ok(h, "push /dev/kept/net0 fault tap")
    run_ok(h, "ping -c 4 -i 50 10.0.2.2")
    dot = run_ok(h, "streams -dot")
    show = run_ok(h, "netctl /dev/eth tap show")
    for _ in range(2):
        run_ok(h, "push -p /dev/kept/net0")
    drain_taps(h)
    for name in ("e1000", "fault", "tap", "eth", "arp", "ip", "tcp"):
        h.check("names_" + name, re.search(r"\{%s\|" % name, dot) is not None, dot[:300])
    p = subprocess.run(["dot", "-Tsvg"], input=dot, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    h.check("renders", p.returncode == 0 and "<svg" in p.stdout and not p.stderr.strip(),
            p.stderr[:300])
    # node ids of the card stream's tap and its neighbours
    nodes = dict((name, nid) for nid, name in re.findall(r"(s\d+q\d+) \[label=\"\{(\w+)\|", dot)
                 if name in ("tap", "fault"))
    tap = nodes.get("tap")

    def edge(a, b):
        m = re.search(r"%s -> %s \[label=\"(\d+) msgs" % (a, b), dot)
        return int(m.group(1)) if m else 0
    # messages tap passed on: down to fault and up to eth
    below = nodes.get("fault")
    into_tap = edge(below, tap) if tap and below else -1        # up into tap
    out_of_tap = edge(tap, below) if tap and below else -1      # down out of tap
    captured = int(re.search(r"captured (\d+)", show).group(1))
    h.check("tap_counts_match", into_tap + out_of_tap == captured,
            "graph %d up + %d down, tap captured %d" % (into_tap, out_of_tap, captured))
