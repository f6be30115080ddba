"""test_guide.py: follow docs/write-a-module.md literally. The guide's code
blocks (include/shout.h, modules/shout.c, its host test and its guest test)
are copied into a scratch copy of the tree, which is built with plain
`make`; then the guide's host test runs, the kernel boots, the guide's
shell session gives the output the guide shows, and the guide's guest test
passes. Then the guide's section 6 turns the module into a directory
(modules/shout/: shout.c, shout_ioctl.c, shout_impl.h), and the same is
done again on the rebuilt tree. Nothing in the framework, the Makefile or
any list is touched – which is the point of the guide."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import qemu
import run

BOOT = False
REPO = qemu.REPO
GUIDE = os.path.join(REPO, "docs", "write-a-module.md")


MODULE = "shout"


def lwip_tree():
    """The lwIP tree the build uses: $LWIP_SRC as `make` takes it (relative
    to the repository), else the Makefile's default."""
    tree = os.environ.get("LWIP_SRC") or os.path.join("build", "lwip", "lwip-2.1.3")
    return os.path.join(REPO, tree)


def code_blocks(text):
    """Every fenced C block of the guide that starts with a file comment:
    {path: contents}. The path comes from the comment's first word:
    shout.h -> include/ (what user programs see), shout.c -> modules/,
    the directory form's files (shout_impl.h, shout_*.c) -> modules/shout/,
    test_* -> tests/host/, the rest -> tests/guest/."""
    files = {}
    for part in re.split(r"(^```[a-z]*\n.*?^```$)", text, flags=re.M | re.S):
        if not part.startswith("```c"):
            continue
        body = part[part.index("\n") + 1:part.rindex("```")]
        first = [l for l in body.splitlines() if l.startswith("//") and ":" in l
                 and "SOURCES" not in l][0]
        name = first[2:].split(":")[0].strip()
        if name == MODULE + ".h":
            path = "include/" + name
        elif name == MODULE + ".c":
            path = "modules/" + name
        elif name.startswith(MODULE + "_"):
            path = "modules/%s/%s" % (MODULE, name)
        elif name.startswith("test_"):
            path = "tests/host/" + name
        else:
            path = "tests/guest/" + name
        files[path] = body
    return files


def directory_form(single):
    """The guide's section 6 applied to the one-file module: without
    struct shout and shout_ioctl (now in shout_impl.h and shout_ioctl.c),
    including shout_impl.h. Returns the text and the steps that matched."""
    text, steps = single, {}
    text, steps["struct"] = re.subn(
        r"(//[^\n]*\n)?struct %s \{\n.*?^\};\n\n" % MODULE, "", text, count=1,
        flags=re.M | re.S)
    text, steps["ioctl"] = re.subn(
        r"^static void\n%s_ioctl\(.*?^\}\n\n" % MODULE, "", text, count=1,
        flags=re.M | re.S)
    includes = list(re.finditer(r"^#include [^\n]*\n", text, flags=re.M))
    steps["include"] = len(includes) > 0
    if includes:
        at = includes[-1].end()
        text = text[:at] + '#include "%s_impl.h"\n' % MODULE + text[at:]
    return text, steps


def build(h, d, tag):
    mk = subprocess.run(["make", "-j2", "LWIP_SRC=" + lwip_tree()], cwd=d,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                        timeout=900)
    return h.check(tag + "builds_with_plain_make", mk.returncode == 0, mk.stdout[-1500:])


def host_tests(h, d, files, tag, sources=None):
    """Compile and run the guide's host tests as the runner does (its flags);
    sources, if given, replaces what their HOSTTEST-SOURCES line names."""
    for rel in [p for p in files if p.startswith("tests/host/")]:
        first = open(os.path.join(d, rel)).readline()
        extra = first.split("HOSTTEST-SOURCES:")[1].split() if "HOSTTEST-SOURCES" in first else []
        if sources:
            extra = [x for s in extra for x in sources.get(s, [s])]
        exe = os.path.join(d, "hosttest")
        cc = subprocess.run(["cc"] + run.HOST_CFLAGS + [rel] + extra +
                            ["-o", exe, "-lpthread"], cwd=d, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
        if not h.check(tag + "host_test_compiles", cc.returncode == 0, cc.stdout[-800:]):
            continue
        r = subprocess.run([exe], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        h.check(tag + "host_test_passes", r.returncode == 0 and "FAIL" not in r.stdout,
                r.stdout[-800:])


def tour(h, d, files, tag):
    """Boot the scratch tree's kernel and follow the guide's section 4 and
    its guest tests."""
    m = qemu.Machine(smp=h.smp, kernel=os.path.join(d, "build", "kernel", "kernel"),
                     image=os.path.join(d, "build", "fs.img"))
    try:
        r = m.run("push -k s /dev/loop shout")
        h.check(tag + "tour_push", r.status == 0 and "kept as /dev/kept/s" in r.output,
                r.output)
        r = m.run("push -l /dev/kept/s")
        h.check(tag + "tour_list", r.output == "shout\nloop\n", repr(r.output))
        r = m.run("loopcat /dev/kept/s hello, world")
        h.check(tag + "tour_shouts", r.output.strip() == "HELLO, WORLD", repr(r.output))
        m.run("push /dev/kept/s rot13")
        r = m.run("loopcat /dev/kept/s hello")
        h.check(tag + "tour_with_rot13", r.output.strip() == "URYYB", repr(r.output))
        m.run("push -u s")
        guest = [os.path.splitext(os.path.basename(p))[0] for p in files
                 if p.startswith("tests/guest/")]
        for name in guest:
            r = m.run("/test/%s" % name, timeout=60)
            h.check(tag + "guest_test_" + name, "DONE %s" % name in r.output and
                    "FAIL" not in r.output and r.status == 0, r.output[-500:])
    finally:
        m.close()


def test_guide_module_works(h):
    with open(GUIDE) as f:
        files = code_blocks(f.read())
    single = "modules/%s.c" % MODULE
    impl = "modules/%s/%s_impl.h" % (MODULE, MODULE)
    h.check("guide_has_blocks", {"include/shout.h", single, impl} <= set(files),
            repr(sorted(files)))
    dirfiles = {p: b for p, b in files.items() if p.startswith("modules/%s/" % MODULE)}
    h.check("guide_directory_has_files", len(dirfiles) >= 2, repr(sorted(dirfiles)))
    with tempfile.TemporaryDirectory(prefix="xv6guide-") as d:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                                stdout=subprocess.PIPE, text=True, check=True).stdout.split()
        for rel in listed:
            src = os.path.join(REPO, rel)
            if not os.path.isfile(src):
                continue
            os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(d, rel))

        def put(rel, body):
            os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                f.write(body)

        # The module as one file (sections 1-5).
        for rel, body in files.items():
            if rel not in dirfiles:
                put(rel, body)
        if not build(h, d, ""):
            return
        host_tests(h, d, files, "")
        tour(h, d, files, "")

        # The same module as a directory (section 6): rebuilt in place, so
        # the old object must give way to the directory's.
        text, steps = directory_form(files[single])
        if not h.check("dir/guide_steps_apply", all(steps.values()), repr(steps)):
            return
        os.remove(os.path.join(d, single))
        put("modules/%s/%s.c" % (MODULE, MODULE), text)
        for rel, body in dirfiles.items():
            put(rel, body)
        if not build(h, d, "dir/"):
            return
        host_tests(h, d, files, "dir/",
                   {single: ["modules/%s/%s.c" % (MODULE, MODULE)] +
                    sorted(p for p in dirfiles if p.endswith(".c"))})
        tour(h, d, files, "dir/")
