"""test_irq.py: two e1000 cards on one interrupt line. On virt, PCIe slot s
with pin A interrupts on PLIC line 32 + s % 4 (kernel/pci.c), so slots 1
and 5 share line 33. The cards are joined by a QEMU hub: card 0 carries
the stack netup plumbs, card 1 is used raw by the guest program
irq_share, which needs both cards' interrupts served.
"""

import re

QEMU_ARGS = [
    "-netdev", "hubport,id=h0,hubid=0",
    "-device", "e1000,netdev=h0,bus=pcie.0,addr=1,romfile=,mac=52:54:00:12:34:56",
    "-netdev", "hubport,id=h1,hubid=0",
    "-device", "e1000,netdev=h1,bus=pcie.0,addr=5,romfile=,mac=52:54:00:12:34:57",
]


def test_cards_share_a_line(h):
    m = h.machine
    lines = re.findall(r"^e1000/(\d): [0-9a-f:]{17} irq (\d+)$", m.console, re.M)
    irqs = dict(lines)
    assert set(irqs) == {"0", "1"}, "boot log names cards %r" % lines
    assert irqs["0"] == irqs["1"], "the cards are on lines %r, not one" % irqs


def test_both_cards_interrupt(h):
    h.guest_program("irq_share")
