"""test_shell.py: shell-level checks driven from the host over the console.

A test module of tests/run.py: each test_* function gets a Harness whose
machine is a booted guest. These exercise the shell and the basic tools
together: pipes, redirection, script mode, exit statuses, device files
and the contents of the disk image.
"""

import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def expect(r, output=None, status=0):
    if status is not None:
        assert r.status == status, "exit status %r, expected %r (output %r)" % (
            r.status, status, r.output)
    if output is not None:
        assert r.output == output, "output %r, expected %r" % (r.output, output)


def test_echo(h):
    expect(h.run("echo hello world"), "hello world\n")


def test_pipeline(h):
    r = h.run("echo hello | wc -c")
    expect(r)
    # "hello\n" is six bytes, whatever else wc prints around the count.
    assert "6" in re.findall(r"\d+", r.output), "wc -c printed %r" % r.output


def test_ls_dev(h):
    r = h.run("ls /dev")
    expect(r)
    for name in ("console", "null", "zero", "devices"):
        assert re.search(r"\b%s\b" % name, r.output), "no %s in %r" % (name, r.output)


def test_redirect(h):
    expect(h.run("echo redirected text > shtest_redir"), "")
    expect(h.run("cat shtest_redir"), "redirected text\n")
    expect(h.run("cat < shtest_redir"), "redirected text\n")
    expect(h.run("rm shtest_redir"))


def test_script(h):
    expect(h.run("echo echo one > shtest_script"))
    expect(h.run("echo echo two >> shtest_script"))
    expect(h.run("sh shtest_script"), "one\ntwo\n")
    expect(h.run("rm shtest_script"))


def test_not_found(h):
    r = h.run("no_such_command_xyz")
    assert r.status != 0, "exit status 0 for a missing command"
    assert "not found" in r.output, "no 'not found' in %r" % r.output


def test_status_of_last(h):
    # $? is the status of the previous command; echo itself succeeds.
    r = h.run("no_such_command_xyz; echo $?")
    expect(r)
    last = r.output.strip().splitlines()[-1] if r.output.strip() else ""
    assert re.fullmatch(r"-?\d+", last) and int(last) != 0, \
        "echo $? after a missing command printed %r" % r.output


def test_readme_in_image(h):
    with open(os.path.join(REPO, "README.md")) as f:
        first = f.readline().rstrip("\n")
    r = h.run("cat /README")
    expect(r)
    assert r.output.split("\n", 1)[0] == first, "first line %r" % r.output[:80]


def test_dev_null(h):
    expect(h.run("echo gone > /dev/null"), "")
    expect(h.run("cat /dev/null"), "")


def uptimes(output):
    return [float(x) for x in re.findall(r"up (\d+\.\d{3}) s", output)]


def test_sleep_takes_seconds(h):
    """sleep follows Unix: seconds, with fractions; the guest's own clock
    (uptime) measures it, so host load cannot make it pass or fail early."""
    for arg, want in (("1", 1.0), ("0.2", 0.2), ("1.05", 1.05)):
        r = h.run("uptime; sleep %s; uptime" % arg)
        expect(r)
        t = uptimes(r.output)
        assert len(t) == 2, "uptime printed %r" % r.output
        # Never shorter; longer only by scheduling (generous: a loaded host).
        assert want <= t[1] - t[0] < want + 1.0, "sleep %s took %.3f s" % (arg, t[1] - t[0])


def test_sleep_refuses_what_is_not_seconds(h):
    for arg in ("abc", "-1", "1.2.3", "0.0001", "", "99999999", "1s"):
        r = h.run("sleep '%s'" % arg if arg == "" else "sleep %s" % arg)
        assert r.status == 2, "sleep %r: status %r, output %r" % (arg, r.status, r.output)
        assert "usage" in r.output or "not a number of seconds" in r.output, r.output


def sources(*dirs):
    """Program names the Makefile builds from DIRS: NAME.c, and for user/
    also every folder NAME/ but lib/ (one program per folder)."""
    names = set()
    for d in dirs:
        for e in os.listdir(os.path.join(REPO, d)):
            p = os.path.join(REPO, d, e)
            if e.endswith(".c"):
                names.add(e[:-2])
            elif d == "user" and e != "lib" and os.path.isdir(p) and \
                    any(f.endswith(".c") for f in os.listdir(p)):
                names.add(e)
    return names


def listing(h, path):
    r = h.run("ls " + path)
    expect(r)
    return set(r.output.split()) - {".", ".."}


def test_bin_holds_commands_test_holds_tests(h):
    # /bin lists what a user types (user/); test and bench programs live
    # in /test, run there by full path.
    tests = sources("tests/guest", "tests/bench")
    commands = sources("user")
    assert tests and commands and not tests & commands, \
        "a name is both a command and a test program: %r" % sorted(tests & commands)
    binl = listing(h, "/bin")
    assert not binl & tests, "test programs in /bin: %s" % " ".join(sorted(binl & tests))
    assert binl == commands, "/bin lacks %r, has extra %r" % (
        sorted(commands - binl), sorted(binl - commands))
    testl = listing(h, "/test")
    assert testl == tests, "/test lacks %r, has extra %r" % (
        sorted(tests - testl), sorted(testl - tests))


def test_test_program_by_full_path(h):
    # The shell looks bare names up in /bin only; a path runs as given.
    r = h.run("/test/bench_kernel -x")
    expect(r, status=2)
    assert "usage: bench_kernel" in r.output, r.output
    r = h.run("bench_kernel -x")
    assert r.status == 127 and "sh: bench_kernel: not found" in r.output, r.output
