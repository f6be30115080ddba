"""test_net.py: the network stack in the default setup, QEMU user
networking (what `make qemu` gives a student): the stack is plumbed at
boot by netup, the guest is 10.0.2.15 and QEMU's gateway is 10.0.2.2.
"""

import re

import lan as lanlib

QEMU_ARGS = ["-netdev", "user,id=n0",
             "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56"]


def run_ok(h, cmd, timeout=60):
    r = h.run(cmd, timeout=timeout)
    assert r.status == 0, "%r exited %d: %s" % (cmd, r.status, r.output.strip()[-400:])
    return r.output


def test_ping_gateway(h):
    out = run_ok(h, "ping -c 3 -i 200 10.0.2.2")
    assert "3 packets transmitted, 3 received, 0% packet loss" in out, out
    assert re.search(r"rtt min/avg/max = [\d.]+/[\d.]+/[\d.]+ ms", out), out


def test_ping_self_loops_back(h):
    out = run_ok(h, "ping -c 2 -i 100 10.0.2.15")
    assert "2 received" in out, out


def test_arp_cache_holds_gateway(h):
    run_ok(h, "ping -c 1 10.0.2.2")
    out = run_ok(h, "arp")
    assert re.search(r"^10\.0\.2\.2 [0-9a-f:]{17} expires \d+s$", out, re.M), out


def test_ifconfig_lists_interface(h):
    out = run_ok(h, "ifconfig")
    assert "if0 10.0.2.15/24" in out, out
    assert "default via 10.0.2.2" in out, out
    assert "if0 addr 52:54:00:12:34:56" in out, out


def test_no_route(h):
    run_ok(h, "netctl /dev/ip route del default")
    r = h.run("ping -c 1 192.0.2.1")
    assert r.status != 0 and "no route to host" in r.output, r.output
    run_ok(h, "ifconfig default 10.0.2.2")
    run_ok(h, "ping -c 1 10.0.2.2")


def test_unresolved_address_drops_held_packets(h):
    """Packets held behind an ARP question that is never answered are
    dropped and counted when the question times out."""
    before = lanlib.parse_counters(run_ok(h, "netctl /dev/ip show"))
    r = h.run("ping -c 3 -i 100 -W 500 10.0.2.77", timeout=60)
    assert r.status == 1, r.output
    # ARP gives up after 3 questions a second apart: wait on the condition.
    import time
    deadline = time.monotonic() + 15
    while True:
        out = run_ok(h, "arp")
        m = re.search(r"timeouts (\d+) held_drops (\d+)", out)
        if (m and int(m.group(1)) >= 1) or time.monotonic() > deadline:
            break
        time.sleep(0.5)   # polling a condition
    assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 3, out
    assert "10.0.2.77" not in out, out


def test_bad_control_messages(h):
    r = h.run("netctl /dev/ip frobnicate")
    assert r.status == 1 and "unknown control message" in r.output, r.output
    r = h.run("netctl /dev/ip addr 0 300.1.2.3/24")
    assert r.status == 1 and "invalid argument" in r.output.lower(), r.output
    r = h.run("netctl /dev/eth bind 0x0010")
    assert r.status == 1 and "types start at 0x0600" in r.output, r.output
    r = h.run("netctl /dev/eth bind 0x0800")
    assert r.status == 1 and "bound by another stream" in r.output, r.output
