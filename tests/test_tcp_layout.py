"""test_tcp_layout.py: the tcp driver is the directory modules/tcp/, and
the build keeps its layers: after `make`, every function the driver's
objects define carries the driver's prefix (tcp_, or a concern's such as
tcpconv_), so a backtrace or kernel.asm names it unambiguously; and only
the driver's files and its lwIP port (modules/tcp/port/) were compiled
with lwIP's headers - no other kernel object depends on a file of the
lwIP tree (read from the compiler's dependency files)."""

import glob
import os
import shutil
import subprocess

import harness

BOOT = False
REPO = harness.REPO
BUILD = os.path.join(REPO, "build")


def nm_tool():
    for p in ("riscv64-unknown-elf-", "riscv64-linux-gnu-"):
        if shutil.which(p + "nm"):
            return p + "nm"
    return None


def current(path):
    """A build product whose source still exists (a build folder may keep
    objects of files that were moved or removed since)."""
    base = os.path.splitext(os.path.relpath(path, BUILD))[0]
    return any(os.path.exists(os.path.join(REPO, base + ext)) for ext in (".c", ".S"))


def objects(under):
    return [o for o in sorted(glob.glob(os.path.join(BUILD, under, "*.o"))) if current(o)]


def test_driver_is_a_directory(h):
    h.check("no_tcp_c", not os.path.exists(os.path.join(REPO, "modules", "tcp.c")),
            "modules/tcp.c still exists")
    top = sorted(os.listdir(os.path.join(REPO, "modules")))
    stray = [n for n in ("lwip-port", "arch", "lwipopts.h") if n in top]
    h.check("port_under_tcp", not stray, "at the top of modules/: %s" % stray)
    srcs = sorted(glob.glob(os.path.join(REPO, "modules", "tcp", "tcp_*.c")))
    regs = [s for s in srcs if "STREAMS_MODULE(" in open(s).read()]
    h.check("one_registration", len(regs) == 1,
            "STREAMS_MODULE in %s" % [os.path.basename(s) for s in regs])


def test_driver_functions_carry_its_prefix(h):
    nm = nm_tool()
    objs = objects(os.path.join("modules", "tcp"))
    if not h.check("objects_built", nm is not None and len(objs) >= 2,
                   "nm %s, objects %s" % (nm, objs)):
        return
    bad = []
    for o in objs:
        out = subprocess.run([nm, "--defined-only", o], stdout=subprocess.PIPE,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) != 3 or parts[1] not in "tT":
                continue
            name = parts[2]
            if not name.startswith("tcp") and not name.startswith("streamtab_entry_"):
                bad.append("%s: %s" % (os.path.basename(o), name))
    h.check("prefixed", not bad, "functions without the tcp prefix: %s" % bad[:20])


def test_only_tcp_sees_lwip(h):
    deps = [d for top in ("kernel", "modules")
            for d in glob.glob(os.path.join(BUILD, top, "**", "*.d"), recursive=True)
            if current(d)]
    if not h.check("deps_present", len(deps) > 10, "%d dependency files" % len(deps)):
        return
    tcp_dir = os.path.join(BUILD, "modules", "tcp") + os.sep
    seeing, tcp_seeing = [], 0
    for d in deps:
        text = open(d).read()
        sees = "/src/include/lwip/" in text
        if d.startswith(tcp_dir):
            tcp_seeing += sees
        elif sees:
            seeing.append(os.path.relpath(d, REPO))
    h.check("tcp_sees_lwip", tcp_seeing > 0, "no object of modules/tcp/ includes lwIP")
    h.check("nothing_else", not seeing, "compiled with lwIP's headers: %s" % seeing)
