"""test_tcphead.py: the stream head's error semantics seen through real
TCP on the guest's own stack (QEMU user networking, 10.0.2.15): a write
refused after shutdown must not cost the reader the data that had
already arrived (tests/guest/tcp_keepdata.c).
"""

QEMU_ARGS = ["-netdev", "user,id=n0",
             "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56"]


def test_write_after_shutdown_keeps_unread_data(h):
    h.guest_program("tcp_keepdata")
