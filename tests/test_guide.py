"""test_guide.py: follow docs/write-a-module.md literally. The guide's code
blocks (modules/shout.h, modules/shout.c, its host test and its guest test)
are copied into a scratch copy of the tree, which is built with plain
`make`; then the guide's host test runs, the kernel boots, the guide's
shell session gives the output the guide shows, and the guide's guest test
passes. Nothing in the framework, the Makefile or any list is touched –
which is the point of the guide."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import qemu

BOOT = False
REPO = qemu.REPO
GUIDE = os.path.join(REPO, "docs", "write-a-module.md")


def code_blocks(text):
    """Every fenced block of the guide that starts with a file comment:
    {path: contents}. The path comes from the comment's first word
    (shout.h -> modules/shout.h) or from the heading above it."""
    files = {}
    heading_file = None
    for part in re.split(r"(^```[a-z]*\n.*?^```$)", text, flags=re.M | re.S):
        m = re.search(r"`([\w/]+\.[ch])`\s*$", part.strip().splitlines()[-1]) \
            if part.strip() and not part.startswith("```") else None
        if m:
            heading_file = m.group(1)
        if not part.startswith("```c"):
            continue
        body = part[part.index("\n") + 1:part.rindex("```")]
        first = [l for l in body.splitlines() if l.startswith("//") and ":" in l
                 and "SOURCES" not in l][0]
        name = first[2:].split(":")[0].strip()
        if name.endswith(".h") or name == "shout.c":
            path = "modules/" + name
        elif name.startswith("test_"):
            path = "tests/host/" + name
        else:
            path = "tests/guest/" + name
        files[path] = body
    return files


def test_guide_module_works(h):
    with open(GUIDE) as f:
        files = code_blocks(f.read())
    h.check("guide_has_blocks", {"modules/shout.h", "modules/shout.c"} <= set(files),
            repr(sorted(files)))
    with tempfile.TemporaryDirectory(prefix="xv6guide-") as d:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                                stdout=subprocess.PIPE, text=True, check=True).stdout.split()
        for rel in listed:
            src = os.path.join(REPO, rel)
            if not os.path.isfile(src):
                continue
            os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(d, rel))
        for rel, body in files.items():
            with open(os.path.join(d, rel), "w") as f:
                f.write(body)
        lwip = os.path.join(REPO, "build", "lwip", "lwip-2.1.3")
        mk = subprocess.run(["make", "-j2", "LWIP_SRC=" + lwip], cwd=d,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=900)
        if not h.check("builds_with_plain_make", mk.returncode == 0, mk.stdout[-1500:]):
            return
        host = [p for p in files if p.startswith("tests/host/")]
        for rel in host:
            src = os.path.join(d, rel)
            first = open(src).readline()
            extra = first.split("HOSTTEST-SOURCES:")[1].split() if "HOSTTEST-SOURCES" in first else []
            exe = os.path.join(d, "hosttest")
            cc = subprocess.run(["cc", "-g", "-O1", "-fsanitize=address,undefined",
                                 "-Ikernel", "-Iuser/lib", "-Imodules", "-I.", rel] + extra +
                                ["-o", exe, "-lpthread"], cwd=d, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
            if not h.check("host_test_compiles", cc.returncode == 0, cc.stdout[-800:]):
                continue
            run = subprocess.run([exe], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, timeout=120)
            h.check("host_test_passes", run.returncode == 0 and "FAIL" not in run.stdout,
                    run.stdout[-800:])
        m = qemu.Machine(smp=h.smp, kernel=os.path.join(d, "build", "kernel", "kernel"),
                         image=os.path.join(d, "build", "fs.img"))
        try:
            r = m.run("push -k s /dev/loop shout")
            h.check("tour_push", r.status == 0 and "kept as /dev/kept/s" in r.output, r.output)
            r = m.run("push -l /dev/kept/s")
            h.check("tour_list", r.output == "shout\nloop\n", repr(r.output))
            r = m.run("loopcat /dev/kept/s hello, world")
            h.check("tour_shouts", r.output.strip() == "HELLO, WORLD", repr(r.output))
            m.run("push /dev/kept/s rot13")
            r = m.run("loopcat /dev/kept/s hello")
            h.check("tour_with_rot13", r.output.strip() == "URYYB", repr(r.output))
            m.run("push -u s")
            guest = [os.path.splitext(os.path.basename(p))[0] for p in files
                     if p.startswith("tests/guest/")]
            for name in guest:
                r = m.run("/test/%s" % name, timeout=60)
                h.check("guest_test_" + name, "DONE %s" % name in r.output and
                        "FAIL" not in r.output and r.status == 0, r.output[-500:])
        finally:
            m.close()
