"""test_layers.py: the layers of the source tree are kept by the build.

  include/    what user space may see: system call numbers, the calls'
              constants and structures, stropts.h, the network modules'
              commands and records. The kernel includes the same files.
  kernel/     the kernel and the STREAMS framework: sees include/ and
              itself, never modules/ or user/.
  modules/    drivers and modules: see include/, kernel/ and modules/.
  user/       programs and their library (and the guest's test and bench
              programs): see include/ and user/lib/ only.

The rule is enforced by the include paths each layer is compiled with;
this test checks those paths as `make` really uses them (its commands,
printed by `make -n`), then compiles probes with them: a user program that
includes a kernel-only header, or kernel code that includes a module's
header, must fail to build, and every header of include/ must build on
its own for user space. A path that climbs out (`../kernel/x.h`) would
get past the include paths, so no #include line of those layers may have
one.
"""

import glob
import os
import re
import shlex
import subprocess
import tempfile

import harness

BOOT = False
REPO = harness.REPO

# One object of each kind: the -I paths of its compile command.
USER_OBJECTS = ["build/user/ls.o", "build/user/lib/dial.o", "build/user/chatd/main.o",
                "build/tests/guest/ut_fs.o", "build/tests/bench/bench_tcp.o"]
KERNEL_OBJECTS = ["build/kernel/proc.o", "build/kernel/streams/head.o"]
MODULE_OBJECTS = ["build/modules/loop.o", "build/modules/fish/fish_wire.o"]
USER_PATHS = {"include", "user/lib"}
KERNEL_PATHS = {"include", "kernel"}
MODULE_PATHS = {"include", "kernel", "modules"}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def compile_command(obj):
    """The command `make` runs for obj, as a list of words."""
    p = subprocess.run(["make", "-nB", "--no-print-directory", "V=1", obj], cwd=REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout.splitlines():
        if " -c " in line and line.rstrip().endswith(".c"):
            return shlex.split(line)
    return None


def include_paths(words):
    out = []
    for i, w in enumerate(words):
        if w == "-I" and i + 1 < len(words):
            out.append(words[i + 1])
        elif w.startswith("-I"):
            out.append(w[2:])
    return [os.path.normpath(p) for p in out]


def headers(root):
    """Headers under root, named as an #include would name them from an
    include path at root ("defs.h", "streams/stream.h", "net/fish.h")."""
    out = []
    for path in glob.glob(os.path.join(REPO, root, "**", "*.h"), recursive=True):
        out.append(os.path.relpath(path, os.path.join(REPO, root)))
    return sorted(out)


def layer_files(*roots):
    out = []
    for root in roots:
        for ext in ("c", "h", "S"):
            out += glob.glob(os.path.join(REPO, root, "**", "*." + ext), recursive=True)
    return sorted(out)


def probe(words, name, text, syntax=False):
    """Compile text as a file of its own (outside every layer, so that only
    the include paths find headers) with words' compiler and -I paths.
    Returns (ok, output)."""
    cc = words[0]
    incs = ["-I" + os.path.join(REPO, p) for p in include_paths(words)]
    flags = [w for w in words if w.startswith(("-march", "-mabi", "-ffreestanding"))]
    with tempfile.TemporaryDirectory(prefix="layers-") as d:
        src = os.path.join(d, name)
        with open(src, "w") as f:
            f.write(text)
        mode = ["-fsyntax-only", "-Wall", "-Werror"] if syntax else ["-E", "-o", os.devnull]
        p = subprocess.run([cc] + flags + incs + mode + [src], cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode == 0, p.stdout


def test_include_paths(h):
    for objs, allowed, what in ((USER_OBJECTS, USER_PATHS, "user"),
                                (KERNEL_OBJECTS, KERNEL_PATHS, "kernel"),
                                (MODULE_OBJECTS, MODULE_PATHS, "module")):
        for obj in objs:
            words = compile_command(obj)
            if not h.check("command/" + obj, words is not None, "make -n prints no compile"):
                continue
            paths = set(include_paths(words))
            h.check("paths/" + obj, paths <= allowed and "include" in paths,
                    "%s object built with -I %s (allowed: %s)"
                    % (what, " ".join(sorted(paths)), " ".join(sorted(allowed))))


def test_user_cannot_include_kernel_headers(h):
    words = compile_command(USER_OBJECTS[0])
    if not h.check("user_command", words is not None, "no compile command for a user object"):
        return
    # The probe must work at all: it includes what a user program may.
    ok, out = probe(words, "probe.c", '#include "user.h"\n#include "stropts.h"\n')
    if not h.check("user_probe_sees_include", ok, out[-400:]):
        return
    for root in ("kernel", "modules"):
        for hdr in headers(root):
            ok, out = probe(words, "probe.c", '#include "%s"\n' % hdr)
            h.check("user_refused/%s/%s" % (root, hdr), not ok,
                    "a user program could include %s/%s" % (root, hdr))


def test_kernel_cannot_include_module_headers(h):
    words = compile_command(KERNEL_OBJECTS[0])
    if not h.check("kernel_command", words is not None, "no compile command for kernel/"):
        return
    ok, out = probe(words, "probe.c", '#include "defs.h"\n#include "streams/stream.h"\n')
    if not h.check("kernel_probe_sees_kernel", ok, out[-400:]):
        return
    for root in ("modules", "user/lib"):
        for hdr in headers(root):
            ok, out = probe(words, "probe.c", '#include "%s"\n' % hdr)
            h.check("kernel_refused/%s/%s" % (root, hdr), not ok,
                    "kernel/ could include %s/%s" % (root, hdr))


def test_include_headers_stand_alone(h):
    """Each header of include/ builds by itself in a user program: it needs
    nothing from the kernel, and includes what it uses."""
    words = compile_command(USER_OBJECTS[0])
    if not h.check("user_command", words is not None, "no compile command for a user object"):
        return
    for hdr in headers("include"):
        ok, out = probe(words, "probe.c", '#include "%s"\n' % hdr, syntax=True)
        h.check("alone/" + hdr, ok, out[-600:])


def test_one_name_one_header(h):
    """A header name of include/ is nowhere else: which file an #include
    means must not depend on the order of the include paths."""
    mine = set(headers("include"))
    for root in ("kernel", "modules", "user/lib"):
        clash = mine & set(headers(root))
        h.check("unique/" + root, not clash,
                "in include/ and %s/: %s" % (root, " ".join(sorted(clash))))


def test_no_include_climbs_out(h):
    """#include lines of kernel/, modules/, user/ and the guest programs name
    headers through the include paths only: no "../", no absolute path, no
    other layer's folder."""
    layers = {
        "kernel": ("modules/", "user/", "tests/"),
        "modules": ("user/", "tests/"),
        "user": ("kernel/", "modules/", "tests/"),
        "tests/guest": ("kernel/", "modules/"),
        "tests/bench": ("kernel/", "modules/"),
    }
    for root, foreign in layers.items():
        bad = []
        for path in layer_files(root):
            with open(path, errors="replace") as f:
                for name in INCLUDE.findall(f.read()):
                    if ".." in name.split("/") or name.startswith("/") or \
                       name.startswith(foreign):
                        bad.append("%s: %s" % (os.path.relpath(path, REPO), name))
        h.check("includes/" + root, not bad, "; ".join(bad[:10]))
