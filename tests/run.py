#!/usr/bin/env python3
"""run.py: the test runner behind `make test` (standard library only).

Runs, in order, printing one line per result:
  1. host unit tests: each tests/host/test_*.c is compiled for the host
     with sanitizers, together with the sources its first lines name in
     `// HOSTTEST-SOURCES: a.c b.c` (paths from the repository root);
  2. for each hart count (default 1 and 2), on one booted guest:
     every test module tests/test_*.py (its `test_*(h)` functions get a
     harness.Harness), then every guest test program tests/guest/P*.c
     for P in GUEST_PREFIXES (ut_, st_) as /test/P*, whose PASS/FAIL/DONE
     lines are parsed; then the kernel's resource counters (sysinfo) must
     be back at what they were right after boot, on every guest of the
     round (a module's own machine waits, idle, for this moment), then
     `halt`, and build/fsck checks the disk left.
Ends with the exact line `N passed, M failed` (`, K skipped` when some
test was skipped). Exit status 1 if anything failed or nothing ran.

A test module may set, at module level:
  SMP = (2,)            run only on these hart counts
  QEMU_ARGS = [...]     boot a machine of its own with these QEMU arguments
  BOOT = False          needs no guest: runs once, named host/MODULE/...
New modules and programs are found by name; this file needs no edit.
"""

import argparse
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import leakcheck  # noqa: E402
import harness   # noqa: E402
import qemu      # noqa: E402

REPO = qemu.REPO
GUEST_PREFIXES = ("ut_", "st_")    # tests/guest programs run by this runner
HOST_CC = os.environ.get("HOSTCC", "cc")
HOST_CFLAGS = ["-g", "-O1", "-fsanitize=address,undefined",
               "-fno-sanitize-recover=all", "-Iinclude", "-Ikernel", "-Iuser/lib",
               "-Imodules", "-I."]
HOST_TEST_TIMEOUT = 120


def selected(name, patterns):
    return not patterns or any(p in name for p in patterns)


# ------------------------------------------------------------ host tests

def run_host_tests(results, patterns):
    outdir = os.path.join(REPO, "build", "tests", "host")
    for src in sorted(glob.glob(os.path.join(REPO, "tests", "host", "test_*.c"))):
        name = os.path.splitext(os.path.basename(src))[0]
        tag = "host/%s" % name
        if not selected(tag, patterns):
            continue
        os.makedirs(outdir, exist_ok=True)
        binary = os.path.join(outdir, name)
        extra = (harness.source_option(src, "HOSTTEST-SOURCES") or "").split()
        missing = [s for s in extra if not os.path.exists(os.path.join(REPO, s))]
        if missing:
            results.record(tag, False, "HOSTTEST-SOURCES names missing files: %s"
                           % " ".join(missing))
            continue
        cmd = [HOST_CC] + HOST_CFLAGS + [os.path.relpath(src, REPO)] + extra + \
              ["-o", binary]
        cc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
        if cc.returncode != 0:
            results.record(tag, False, "does not compile",
                           detail="\n".join(cc.stdout.splitlines()[:20]))
            continue
        # Line-buffered output (stdbuf) keeps the checks printed before a
        # hang or a crash; the sanitizer must then tolerate stdbuf's
        # preloaded library ahead of its own.
        env = dict(os.environ,
                   ASAN_OPTIONS="detect_leaks=1:verify_asan_link_order=0",
                   UBSAN_OPTIONS="print_stacktrace=1")
        argv = [binary]
        if shutil.which("stdbuf"):
            argv = ["stdbuf", "-oL", "-eL"] + argv
        p = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             text=True, errors="replace", env=env)
        limit = harness.scaled(HOST_TEST_TIMEOUT)
        try:
            out, err = p.communicate(timeout=limit)
            timed_out = False
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            timed_out = True
        count, _ = harness.parse_report(out, results, tag, name)
        tail = "\n".join((out + err).splitlines()[-20:])
        if timed_out:
            results.record(tag, False, "timeout after %ds" % limit, detail=tail)
        elif p.returncode != 0:
            results.record(tag, False, "exit status %d" % p.returncode, detail=tail)
        elif count == 0:
            results.record(tag, True)


# ------------------------------------------------------------ test modules

def load_modules(patterns):
    mods = []
    for path in sorted(glob.glob(os.path.join(REPO, "tests", "test_*.py"))):
        modname = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
        except Exception as e:
            mods.append((modname, e))
            continue
        mods.append((modname, mod))
    return mods


def short(modname):
    return modname[len("test_"):] if modname.startswith("test_") else modname


def test_functions(mod):
    fns = [(n, f) for n, f in vars(mod).items()
           if n.startswith("test_") and callable(f)
           and getattr(f, "__module__", None) == mod.__name__]
    # Definition order: it is the order a reader expects.
    return sorted(fns, key=lambda nf: nf[1].__code__.co_firstlineno)


# Seconds each test function and guest program took, so that the summary
# can name where the suite's time goes (it has a budget: see .ci/run).
TIMES = []


def run_module(results, modname, mod, smp, factory, patterns):
    prefix = ("smp%d/%s" % (smp, short(modname))) if smp else "host/%s" % short(modname)
    for fname, fn in test_functions(mod):
        tag = "%s/%s" % (prefix, short(fname))
        if not selected(tag, patterns):
            continue
        h = harness.Harness(results, smp or 2, tag, factory)
        t0 = time.monotonic()
        harness.run_test_function(results, fn, h)
        TIMES.append((time.monotonic() - t0, tag))
    # A module that keeps guests of its own for all its tests (a LAN)
    # powers them off here, not at exit.
    teardown = getattr(mod, "teardown", None)
    if callable(teardown) and not smp:
        try:
            teardown()
        except Exception as e:
            results.record("%s/teardown" % prefix, False, "%s: %s" % (type(e).__name__, e))


# ------------------------------------------------------------ guest rounds

class SharedMachine:
    """Boots lazily, reboots after a crash; stops trying after a boot
    failure so one broken kernel does not cost a boot per test."""

    def __init__(self, results, smp, extra_args=()):
        self.results = results
        self.smp = smp
        self.extra_args = list(extra_args)
        self.m = None
        self.boot_error = None
        self.boots = 0
        self.baseline = {}

    def __call__(self):
        if self.boot_error:
            raise self.boot_error
        if self.m is None or not self.m.alive:
            if self.m is not None:
                self.m.close()
            self.boots += 1
            try:
                self.m = qemu.Machine(smp=self.smp, extra_args=self.extra_args,
                                      boot_timeout=harness.scaled(90))
                self.baseline = leakcheck.read(self.m)
            except qemu.GuestError as e:
                self.boot_error = e
                self.results.record("smp%d/boot%s" % (self.smp, "" if self.boots == 1
                                                      else "#%d" % self.boots),
                                    False, e.what, detail=e.tail)
                raise
        return self.m

    def close(self):
        if self.m is not None:
            self.m.close()
            self.m = None

    def finish(self):
        """End of the round: power the guest off with `halt` and check
        that the file system it leaves behind is consistent."""
        m = self.m
        if m is None or not m.alive:
            return
        tag = "smp%d" % self.smp
        self.check_counters(tag)
        try:
            m.halt(timeout=harness.scaled(30))
        except qemu.GuestError as e:
            self.results.record(tag + "/halt", False, e.what, detail=e.tail)
            return
        self.results.record(tag + "/halt", True)
        r = m.check_disk()
        if r is not None:
            rc, out = r
            self.results.record(tag + "/fsck", rc == 0, "fsck exit status %d" % rc,
                                detail="\n".join(out.splitlines()[-20:]))


    def back_now(self):
        """Are the counters back already? Then the check need not wait for
        the round's end, and the guest (an idle QEMU still costs the host
        a tenth of a core) can go at once."""
        try:
            d, _ = leakcheck.wait_back(self.m, self.baseline, 0)
        except qemu.GuestError:
            return False
        return not d

    def check_counters(self, tag):
        """Everything the round's tests took from the kernel must be given
        back: the counters must come back to their values right after boot
        (of the last boot, if a crash forced another; that crash already
        failed its test). Connections in TIME_WAIT and the like take a
        while to go, so this waits for the condition, up to a limit."""
        diff = leakcheck.back_at_boot(self.m, self.baseline, tag + " counters")
        self.results.record(tag + "/counters_at_boot_baseline", not diff,
                            "; ".join(diff) + (" (since boot #%d)" % self.boots
                                               if self.boots > 1 else ""))


def guest_programs():
    names = []
    for src in sorted(glob.glob(os.path.join(REPO, "tests", "guest", "*.c"))):
        name = os.path.splitext(os.path.basename(src))[0]
        if name.startswith(GUEST_PREFIXES):
            names.append(name)
    return names


def run_round(results, smp, modules, patterns):
    shared = SharedMachine(results, smp)
    # Machines of modules with QEMU_ARGS whose counters are not back when
    # the module ends wait for the round's end: TCP's TIME_WAIT holds
    # control blocks for two minutes, time the guest programs below use
    # instead of an idle wait. The others are checked and closed at once.
    idle = []
    try:
        for modname, mod in modules:
            if isinstance(mod, Exception) or getattr(mod, "BOOT", True) is False:
                continue
            want = getattr(mod, "SMP", None)
            if want is not None and smp not in want:
                continue
            qargs = getattr(mod, "QEMU_ARGS", None)
            if qargs:
                own = SharedMachine(results, smp, qargs)
                try:
                    run_module(results, modname, mod, smp, own, patterns)
                finally:
                    tag = "smp%d/%s" % (smp, short(modname))
                    alive = own.m is not None and own.m.alive
                    if alive and not own.back_now():
                        idle.append((tag, own))
                    else:
                        if alive:
                            own.check_counters(tag)
                        own.close()
            else:
                run_module(results, modname, mod, smp, shared, patterns)

        for name in guest_programs():
            tag = "smp%d/%s" % (smp, name)
            if not selected(tag, patterns):
                continue
            if shared.boot_error:
                results.record(tag, False, "not run: the guest did not boot")
                continue
            try:
                m = shared()
                t0 = time.monotonic()
                harness.run_guest_program(results, m, "smp%d" % smp, name)
                TIMES.append((time.monotonic() - t0, tag))
            except qemu.GuestError:
                pass   # recorded; the next program gets a fresh boot
        while idle:
            tag, own = idle.pop(0)
            try:
                own.check_counters(tag)
            finally:
                own.close()
        if not patterns:
            shared.finish()
    finally:
        for _, own in idle:
            own.close()
        shared.close()


# ------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description="Run xv6-streams tests.")
    ap.add_argument("--smp", default="1 2",
                    help="hart counts for the guest rounds, e.g. '1 2' (default)")
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                    help="run only results whose name contains SUBSTRING")
    ap.add_argument("--host-only", action="store_true")
    ap.add_argument("--guest-only", action="store_true")
    args = ap.parse_args()

    try:
        smps = [int(s) for s in args.smp.replace(",", " ").split()]
    except ValueError:
        ap.error("--smp takes numbers")

    results = harness.Results()
    t0 = time.monotonic()
    try:
        if not args.guest_only:
            run_host_tests(results, args.k)
        modules = load_modules(args.k)
        for modname, mod in modules:
            if isinstance(mod, Exception):
                results.record("load/%s" % modname, False,
                               "%s: %s" % (type(mod).__name__, mod))
        if not args.guest_only:
            for modname, mod in modules:
                if not isinstance(mod, Exception) and getattr(mod, "BOOT", True) is False:
                    run_module(results, modname, mod, 0, None, args.k)
        if not args.host_only:
            have = os.path.exists(qemu.KERNEL) and os.path.exists(qemu.FS_IMG)
            for smp in smps:
                if not have:
                    results.record("smp%d/boot" % smp, False,
                                   "build/kernel/kernel or build/fs.img missing: run make")
                    continue
                run_round(results, smp, modules, args.k)
    except KeyboardInterrupt:
        results.note("interrupted")
        results.failed += 1
    slow = sorted(TIMES, reverse=True)[:12]
    if slow:
        results.note("slowest: " + ", ".join("%s %.0f s" % (t, d) for d, t in slow))
    results.note("%.0f s" % (time.monotonic() - t0))
    print(results.summary(), flush=True)
    return 0 if results.ok else 1


if __name__ == "__main__":
    sys.exit(main())
