"""test_house.py: every function defined in modules/ carries its module's prefix.

A backtrace or kernel.asm names functions only: `show` or `mux_init` could
be any module's, so every function defined at file scope in a module
(static or not) starts with the module's name, `NAME` or `NAME_...`. A
module is a file modules/NAME.c or a directory modules/NAME/ whose files
all belong to NAME. lwIP's port (modules/lwip-port/, modules/arch/) is
lwIP's code under lwIP's names, not a module.

Definitions are found in the code's own (xv6) style: the return type on
one line, `name(` at the start of the next, and the first line after the
parameter list that is not a parameter opens the body with `{`.
"""

import glob
import os
import re

BOOT = False
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = os.path.join(REPO, "modules")

# Not modules: lwIP's operating-system port (modules/tcp/port/), which
# defines the names lwIP calls (ip4_output_if, ip4_route, netif_*, sys_*)
# and its own glue_ helpers beside them; it is lwIP's side of the line.
NOT_MODULE_DIRS = (os.path.join("tcp", "port"),)

# Parts of a module with a prefix of their own, each for a reason.
CONCERNS = {
    # ip.c answers ICMP echo itself (its header says so): icmp_ names that part.
    "ip": ("icmp",),
    # lwIP calls its port's hooks by name (LWIP_RAND, LWIP_HOOK_TCP_ISN,
    # mem_malloc and the assert in lwipopts.h/arch/cc.h: lwip_port_*):
    # those are lwIP's names, not tcp's. lwIP's callbacks
    # (tcp_recv, tcp_accept, ...) are registered by pointer: they take tcp_.
    "tcp": ("lwip_port",),
}

NAME_LINE = re.compile(r"^([A-Za-z_]\w*)\(")
TYPE_LINE = re.compile(r"^[A-Za-z_][\w \t\*]*$")
NOT_TYPE = {"return", "else", "do", "goto", "case", "default"}


def definitions(path):
    """(line, name) of each function definition at file scope."""
    with open(path, errors="replace") as f:
        return parse(f.read())


def parse(text):
    lines = text.split("\n")
    out = []
    for i in range(1, len(lines)):
        m = NAME_LINE.match(lines[i])
        prev = lines[i - 1].rstrip()
        if not m or not TYPE_LINE.match(prev) or prev.split()[0] in NOT_TYPE:
            continue
        # Past the parameter list (it may span lines): a body, not a prototype.
        depth, j, tail = 0, i, None
        while tail is None and j < len(lines):
            for k, c in enumerate(lines[j]):
                depth += (c == "(") - (c == ")")
                if c == ")" and depth == 0:
                    tail = lines[j][k + 1:]
                    break
            else:
                j += 1
        if tail is None:
            continue
        rest = tail.strip()
        if not rest and j + 1 < len(lines):
            rest = lines[j + 1].strip()
        if rest.startswith("{"):
            out.append((i + 1, m.group(1)))
    return out


def modules():
    """module name -> its C files."""
    mods = {}
    for path in sorted(glob.glob(os.path.join(MODULES, "*.c"))):
        mods.setdefault(os.path.basename(path)[:-2], []).append(path)
    for d in sorted(glob.glob(os.path.join(MODULES, "*", ""))):
        name = os.path.basename(os.path.dirname(d))
        files = sorted(f for f in glob.glob(os.path.join(d, "**", "*.c"), recursive=True)
                       if not any(os.path.relpath(f, MODULES).startswith(x + os.sep)
                                  for x in NOT_MODULE_DIRS))
        if files:
            mods.setdefault(name, []).extend(files)
    return mods


def prefixed(name, module):
    """NAME, NAME_..., or NAMEconcern_... (tcpconv_, tcpout_: the concern of
    one file of a module that is a directory, as illumos names tcp's)."""
    for p in (module,) + CONCERNS.get(module, ()):
        if name == p or re.match(r"%s[a-z]*_" % re.escape(p), name):
            return True
    return False


def test_function_prefix(h):
    mods = modules()
    assert mods, "no module found under modules/"
    for module, files in sorted(mods.items()):
        offenders = []
        for path in files:
            rel = os.path.relpath(path, REPO)
            for line, name in definitions(path):
                if not prefixed(name, module):
                    offenders.append("%s:%d %s" % (rel, line, name))
        h.check(module, not offenders, " ".join(offenders))


SAMPLE = """static int show(int x);
static int
show(int x,
     int y)
{
  return x;
}
STREAMS_MODULE(shout_tab);
"""


def test_parser_finds_definitions(h):
    # The parser must see what it polices: count.c defines count_add in the
    # house style (null.c has no function of its own: it uses putnext_put); in SAMPLE the definition of show is found at its line
    # and neither its prototype nor a macro call counts.
    found = [n for _, n in definitions(os.path.join(MODULES, "count.c"))]
    h.check("parser/count", "count_add" in found, "definitions(count.c) = %r" % found)
    got = parse(SAMPLE)
    h.check("parser/sample", got == [(3, "show")], "parse(SAMPLE) = %r" % (got,))
