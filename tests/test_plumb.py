"""test_plumb.py: plumbing the network stack by hand, with mistakes. The
guest has a card but boots with net=none, so the card is free; every
mistake must fail with a reason a student can act on."""

import leakcheck

QEMU_ARGS = ["-netdev", "user,id=n0",
             "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56",
             "-append", "net=none"]


def fails_with(h, cmd, *words):
    r = h.run(cmd)
    assert r.status != 0, "%r succeeded: %s" % (cmd, r.output)
    for w in words:
        assert w in r.output, "%r: no %r in %r" % (cmd, w, r.output)


def test_ip_on_e1000_is_refused(h):
    # ip is a multiplexing driver: its lower streams must carry IPv4 links
    fails_with(h, "push -L /dev/ip /dev/e1000/0", "invalid argument",
               'ip needs "ipv4-link"', 'offers "frames"')
    # ... and it is no module, so it cannot be pushed either
    fails_with(h, "push /dev/e1000/0 ip", "ip is a driver, not a module")


def test_arp_needs_ether(h):
    fails_with(h, "push /dev/e1000/0 arp", 'arp needs "ether" below it', 'e1000 offers "frames"')


def test_by_hand_then_ping(h):
    """The stack netup builds, step by step with push and netctl."""
    r = h.run("push -L /dev/eth /dev/e1000/0")
    assert r.status == 0, r.output
    muxid = r.output.split()[-1]
    r = h.run("push -k lnk /dev/eth")
    assert r.status == 0, r.output
    for cmd in ("netctl /dev/kept/lnk bind mux=%s 0x0800" % muxid,
                "push /dev/kept/lnk arp"):
        r = h.run(cmd)
        assert r.status == 0, "%s: %s" % (cmd, r.output)
    r = h.run("push -L /dev/ip /dev/kept/lnk")
    assert r.status == 0, r.output
    ipmux = r.output.split()[-1]
    for cmd in ("netctl /dev/ip addr mux=%s 10.0.2.15/24" % ipmux,
                "netctl /dev/ip route default 10.0.2.2",
                "ping -c 2 -i 100 10.0.2.2"):
        r = h.run(cmd, timeout=30)
        assert r.status == 0, "%s: %s" % (cmd, r.output)
    # the card is taken now
    fails_with(h, "push -L /dev/eth /dev/e1000/0", "busy")


def test_take_it_down_again(h):
    """Undo the stack of the test above, in the reverse order: ip lets go
    of the link stream, the link stream is no longer kept (and goes with
    its last close), eth lets go of the card. The card is free again, and
    every stream and link is gone (the runner then checks every counter
    is back where it was at boot)."""
    for cmd in ("push -U /dev/ip all", "push -u lnk", "push -U /dev/eth all"):
        r = h.run(cmd)
        assert r.status == 0, "%s: %s" % (cmd, r.output)
    fails_with(h, "ping -c 1 -W 500 10.0.2.2")
    r = h.run("push -L /dev/eth /dev/e1000/0")
    assert r.status == 0, "the card is still taken: %s" % r.output
    r = h.run("push -U /dev/eth all")
    assert r.status == 0, r.output
    si = leakcheck.read(h)
    assert (si["streams"], si["mux_links"], si["kept_streams"]) == (0, 0, 0), si
