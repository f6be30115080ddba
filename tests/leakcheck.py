"""leakcheck.py: leak accounting for tests. `sysinfo` in the guest prints
every resource counter of the kernel (memory, processes, files, streams,
message and data blocks, links, kept streams, TCP conversations and lwIP
control blocks); a test reads them after boot and checks that they come
back to those values once its work is done.

    base = leakcheck.read(m)
    ...
    diff, now = leakcheck.wait_back(m, base, timeout)   # [] if all back
"""

import time

import harness

# Counters that must come back exactly, and free memory, which may end up
# higher than at boot but not lower by more than SLACK_PAGES (caches a
# test fills, such as the buffer cache's, are bounded, not leaks).
EXACT = ("streams", "mblks", "dblks", "mux_links", "kept_streams",
         "nproc", "nfile", "tcp_conversations", "tcp_pcbs")
SLACK_PAGES = 16


def read(m):
    r = m.run("sysinfo", timeout=harness.scaled(30))
    out = {}
    for line in r.output.splitlines():
        w = line.split()
        if len(w) == 2 and w[1].isdigit():
            out[w[0]] = int(w[1])
    return out


def baseline(m, timeout=20):
    """The counters once a guest has settled: right after boot a frame of
    its own (an ARP question, a FiSh announce) may still be on a queue, and
    a baseline taken then counts a message that is gone by the end. Reads
    until two readings in a row agree on every exact counter."""
    deadline = time.monotonic() + harness.scaled(timeout)
    last = read(m)
    while True:
        time.sleep(0.5)   # polling the guest for a condition
        now = read(m)
        if all(now.get(k) == last.get(k) for k in EXACT) or time.monotonic() > deadline:
            return now
        last = now


def diff(base, now, slack_pages=SLACK_PAGES):
    """What is not back, one phrase per counter ([] if all is)."""
    out = ["%s %s at boot, %s now" % (k, base.get(k), now.get(k))
           for k in EXACT if base.get(k) != now.get(k)]
    if now.get("freepages", 0) < base.get("freepages", 0) - slack_pages:
        out.append("freepages %s at boot, %s now" % (base.get("freepages"),
                                                      now.get("freepages")))
    return out


def wait_back(m, base, timeout, slack_pages=SLACK_PAGES):
    """Wait (polling the guest, up to `timeout` seconds) until the counters
    are back: connections in TIME_WAIT and the like take a while to go."""
    deadline = time.monotonic() + timeout
    while True:
        now = read(m)
        d = diff(base, now, slack_pages)
        if not d or time.monotonic() > deadline:
            return d, now
        time.sleep(1)     # polling the guest for a condition


def summary(base, now):
    return ", ".join("%s %s/%s" % (k, base.get(k), now.get(k))
                     for k in EXACT + ("freepages", "kmalloc_bytes"))


def back_at_boot(m, base, label, slack_pages=SLACK_PAGES):
    """wait_back with the usual limit (150 s, scaled: TIME_WAIT lasts two
    minutes), printing both columns as `# LABEL at boot / at the end`.
    Returns what is not back ([] if all is)."""
    d, now = wait_back(m, base, harness.scaled(150), slack_pages)
    print("# %s at boot / at the end: %s" % (label, summary(base, now)), flush=True)
    return d


def check_guests(h, machines, slack_pages=SLACK_PAGES):
    """The last test of a module that keeps guests for all its tests: each
    live guest's counters back at the values read when it booted (its
    `baseline` attribute, set by the module). Free pages count user
    memory too: a module whose daemons keep a grown heap (chatd) allows
    for it with slack_pages."""
    checked = 0
    for name, m in sorted(machines.items()):
        base = getattr(m, "baseline", None)
        if base is None or not m.alive:
            continue
        d = back_at_boot(m, base, "%s counters" % name, slack_pages)
        h.check("%s_back_at_boot_values" % name, not d, "; ".join(d))
        checked += 1
    if checked == 0:
        h.skip("no guest of this module is running")
