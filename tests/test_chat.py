"""test_chat.py: xv6Chat end to end (issue 7): the guest's chatd with
host IRC programs and a host load client, the guest's chat client with
chatd and with a host ngircd, and three guests chatting across a LAN.

Topology (see docs/chat.md):

  * "the chat guest": QEMU user networking, chatd started at boot of the
    test; the host reaches it at 127.0.0.1:PORT (hostfwd to guest 6667),
    and the guest reaches host servers at 10.0.2.2.
  * the LAN test: guests 1 and 2 on the test LAN (tests/lan.py, needs
    root), chatd on guest 1 (10.10.0.1). The chat guest above is the
    third member: it dials 10.0.2.2!RELAY, a relay in this process that
    listens on the host's loopback and connects onwards from inside the
    LAN's Linux peer namespace to 10.10.0.1:6667. So one channel
    spans the LAN and user networking.

Host programs used (Debian packages of scripts/deps.list; a missing one
fails the test, naming it): ii, weechat-headless with weechat-plugins, ngircd,
irssi in tmux.
Every wait has a deadline; nothing sleeps to synchronise.
"""

import ctypes
import os
import re
import selectors
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

import deps
import harness
import irc_load
import lan as lanlib
import leakcheck
import qemu

BOOT = False      # boots its own guests (user networking with hostfwd, LAN)
GUEST_SMP = 2

# ---------------------------------------------------------------- the chat guest


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ChatGuest:
    """A user-networking guest running chatd, reachable from the host."""

    def __init__(self):
        self.port = free_port()
        # chat=on: /etc/rc starts chatd (chatd -B) at boot
        args = ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:6667" % self.port,
                "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56",
                "-append", "chat=on"]
        self.m = qemu.Machine(smp=GUEST_SMP, extra_args=args, boot_timeout=harness.scaled(90))
        if "netup: " not in self.m.console:
            raise qemu.GuestError("netup did not bring the network up", self.m.tail())
        wait_chatd(self.m)
        self.m.baseline = leakcheck.read(self.m)
        # one client must get through before anything else is tried: if
        # the server cannot accept, every test says so at once instead of
        # each waiting out its own deadlines
        try:
            c = irc_load.IrcClient("127.0.0.1", self.port, "hello", timeout=harness.scaled(20))
            try:
                c.register(timeout=harness.scaled(20))
                c.send("QUIT")
            finally:
                c.close()
        except (OSError, irc_load.IrcError) as e:
            tail = self.m.tail()
            self.m.close()
            raise qemu.GuestError("chatd in the guest does not register a client: %s" % e, tail)


def wait_chatd(m):
    """Wait until the chatd started at boot listens."""
    m.wait_for(re.compile(r"chatd: listening on tcp!\*!6667"), harness.scaled(30), start=0,
               what="chatd (started by /etc/rc) to listen")


_guest = None
_guest_error = None


def chat_guest():
    """The shared chat guest (booted again if a test killed it). If it
    could not be brought up, every later caller gets the same error."""
    global _guest, _guest_error
    if _guest_error is not None:
        raise _guest_error
    if _guest is None or not _guest.m.alive:
        if _guest is not None:
            _guest.m.close()
        try:
            _guest = ChatGuest()
        except qemu.GuestError as e:
            _guest_error = e
            raise
    return _guest


def client(nick, timeout=30, **kw):
    g = chat_guest()
    c = irc_load.IrcClient("127.0.0.1", g.port, nick, timeout=harness.scaled(timeout), **kw)
    return c


class GuestChat:
    """The guest's `chat` program in the foreground of a machine's console."""

    def __init__(self, m, addr, nick, chan, timeout=60):
        self.m, self.nick, self.chan = m, nick, chan
        self.start = len(m.console)
        m.send("chat %s %s '%s'\n" % (addr, nick, chan))
        self.wait(r"\* %s joined %s" % (re.escape(nick), re.escape(chan)), timeout)

    def text(self):
        return self.m.console[self.start:]

    def wait(self, pattern, timeout=60):
        if isinstance(pattern, str):
            pattern = re.compile(pattern)
        return self.m.wait_for(pattern, harness.scaled(timeout), start=self.start,
                               what="%r on %s's console" % (pattern.pattern, self.nick))

    def type(self, line):
        self.m.send(line + "\n")

    def count(self, s):
        return self.text().count(s)

    def abandon(self):
        """After a failure: end the program if it still runs, so the next
        test finds a shell prompt (or a dead machine, which is rebooted)."""
        if not self.m.alive:
            return
        mark = len(self.m.console)
        try:
            self.m.send("/quit\n")
            self.m.wait_for(qemu.PROMPT, harness.scaled(15), start=mark, what="prompt")
            self.m._mark = len(self.m.console)
        except qemu.GuestError:
            pass

    def quit(self, why="bye", timeout=30):
        mark = len(self.m.console)
        self.type("/quit %s" % why)
        self.m.wait_for(re.compile(r"\* connection closed"), harness.scaled(timeout), start=mark,
                        what="chat to close after /quit")
        self.m.wait_for(qemu.PROMPT, harness.scaled(timeout), start=mark,
                        what="prompt after chat")
        self.m._mark = len(self.m.console)


# ---------------------------------------------------------------- protocol


def test_registration_and_commands(h):
    """A host client walks through registration and every command."""
    a = client("alice")
    try:
        a.send("CAP LS 302")
        a.send("NICK alice")
        a.send("USER alice 0 * :Alice")
        h.check("cap_ls", a.expect(r"^:\S+ CAP \* LS :$", 30))
        a.send("CAP REQ :multi-prefix")
        h.check("cap_nak", a.expect(r" CAP \S+ NAK :multi-prefix$"))
        a.send("CAP END")
        a.expect(r" 001 alice :Welcome")
        lines = a.collect(r" (376|422) alice ")
        nums = [re.search(r"^:\S+ (\d{3}) ", l).group(1) for l in lines if re.search(r"^:\S+ \d{3} ", l)]
        h.check("welcome_002_to_005", all(n in nums for n in ("002", "003", "004", "005")), repr(nums))
        h.check("motd", "375" in nums and "372" in nums, repr(nums))

        a.send("PING :tok 123")
        h.check("ping_pong", a.expect(r"^:\S+ PONG \S+ :tok 123$"))

        b = client("bob")
        try:
            # before registration: 451, also for irssi's empty JOIN
            b.send("JOIN :")
            h.check("unregistered_451", b.expect(r" 451 \* :You have not registered"))
            b.send("NICK Alice")
            h.check("nick_in_use_433", b.expect(r" 433 \* Alice :"))
            b.send("NICK 1bad")
            h.check("erroneous_432", b.expect(r" 432 \* 1bad :"))
            b.send("NICK")
            h.check("no_nick_431", b.expect(r" 431 \* :"))
            b.register("bob")

            a.join("#chat")
            b.send("JOIN #chat")
            h.check("join_echo_to_member", a.expect(r"^:bob!\S+ JOIN #chat$"))
            names = b.collect(r" 366 bob #chat ")
            h.check("names_353", any(re.search(r" 353 bob = #chat :@alice bob$", l) for l in names),
                    repr(names))
            a.send("TOPIC #chat :testing topics")
            b.expect(r"^:alice!\S+ TOPIC #chat :testing topics$")
            out = b.command("TOPIC #chat", r" 333 bob #chat alice \d+$")
            h.check("topic_332_333", any(" 332 bob #chat :testing topics" in l for l in out), repr(out))

            a.send("PRIVMSG #chat :hello bob")
            h.check("privmsg_relayed", b.expect(r"^:alice!~alice@\S+ PRIVMSG #chat :hello bob$"))
            b.send("PRIVMSG alice :private")
            h.check("privmsg_to_nick", a.expect(r"^:bob!\S+ PRIVMSG alice :private$"))
            b.send("NOTICE #chat :a notice")
            h.check("notice_relayed", a.expect(r"^:bob!\S+ NOTICE #chat :a notice$"))

            errs = [("PRIVMSG nobody :x", r" 401 bob nobody "),
                    ("PRIVMSG #nowhere :x", r" 403 bob #nowhere "),
                    ("PRIVMSG", r" 411 bob "),
                    ("PRIVMSG #chat", r" 412 bob "),
                    ("FROB", r" 421 bob FROB "),
                    ("PART #nowhere", r" 403 bob #nowhere "),
                    ("JOIN", r" 461 bob JOIN "),
                    ("USER x 0 * :y", r" 462 bob ")]
            for i, (cmd, want) in enumerate(errs):
                h.check("error_%d_%s" % (i, want.split()[0]), b.command(cmd, want))
            c = client("carol")
            try:
                c.register("carol")
                c.send("PRIVMSG #chat :not a member")
                h.check("error_404", c.expect(r" 404 carol #chat "))
                c.send("PART #chat")
                h.check("error_442", c.expect(r" 442 carol #chat "))
                lst = c.command("LIST", r" 323 carol ")
                h.check("list", any(re.search(r" 322 carol #chat 2 :testing topics$", l) for l in lst),
                        repr(lst))
                who = c.command("WHO #chat", r" 315 carol #chat ")
                h.check("who", sum(1 for l in who if " 352 carol #chat " in l) == 2, repr(who))
            finally:
                c.close()

            b.send("NICK robert")
            h.check("nick_change_seen", a.expect(r"^:bob!\S+ NICK :robert$"))
            b.send("PART #chat :later")
            h.check("part_echo", a.expect(r"^:robert!\S+ PART #chat :later$"))
            b.send("QUIT :done")
            lines = b.wait_closed(30)
            h.check("quit_error_then_close", any(l.startswith("ERROR :Closing Link") for l in lines),
                    repr(lines))
        finally:
            b.close()
        a.send("QUIT")
        a.wait_closed(30)
    finally:
        a.close()


# ---------------------------------------------------------------- hostile input


def test_bad_input(h):
    """Over-long lines, NULs, bad UTF-8, junk, early commands, duplicate
    nicks, clients that vanish: right numerics or a disconnect for that
    client, and the server keeps serving the others."""
    g = chat_guest()
    a, b = client("good1"), client("good2")
    try:
        a.register()
        b.register()
        a.join("#bad")
        b.join("#bad")

        a.send_raw(b"PRIVMSG #bad :" + b"A" * 4096 + b"\r\nPRIVMSG #bad :after long\r\n")
        h.check("long_line_417", a.expect(r" 417 good1 :Input line was too long"))
        h.check("long_line_then_normal", b.expect(r"PRIVMSG #bad :after long$"))
        h.check("long_line_not_relayed", not any("AAAA" in l for l in b.lines))

        a.send_raw(b"PRIVMSG #bad :nul\x00byte\r\n")
        h.check("nul_dropped", b.expect(r"PRIVMSG #bad :nulbyte$"))
        a.send_raw(b"PRIVMSG #bad :bad utf8 \xff\xfe\xc3 end\r\n")
        b.expect(r"PRIVMSG #bad :bad utf8 ")
        h.check("bad_utf8_relayed_bytes", b.raw[-1].endswith(b"bad utf8 \xff\xfe\xc3 end"),
                repr(b.raw[-1]))
        a.send_raw(b"\x01\x02junk\r\n")
        h.check("junk_421", a.expect(r" 421 good1 "))
        a.send_raw(b"JOIN #\xff\xfe\r\n")
        h.check("bad_channel_403", a.expect(r" 403 good1 "))

        # clients that connect and vanish, in several ways
        for how in ("close", "partial", "reset", "midreg"):
            c = client("vanish")
            if how == "partial":
                c.send_raw(b"NICK vani")
            elif how == "reset":
                c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif how == "midreg":
                c.send("NICK vanish")
            c.close()
        # the nick of a vanished client is free again (once the server
        # has seen the connection go: ask until WHOIS says no such nick)
        deadline = time.monotonic() + harness.scaled(30)
        while not any(" 401 good1 vanish " in l for l in a.command("WHOIS vanish", r" 318 good1 ")):
            assert time.monotonic() < deadline, "the vanished client's nick stayed taken"
            time.sleep(0.2)   # between polls of a condition
        d = client("vanish")
        d.register("vanish")
        h.check("nick_free_after_vanish", True)
        d.send("QUIT")
        d.wait_closed(30)
        d.close()

        # a registered member who drops off: the others see a QUIT
        e = client("dropper")
        e.register()
        e.join("#bad")
        a.expect(r"^:dropper!\S+ JOIN #bad$")
        e.close()
        h.check("drop_gives_quit", a.expect(r"^:dropper!\S+ QUIT :", 60))

        # many commands before registration, each answered
        f = client("early")
        for cmd in ("JOIN #bad", "PRIVMSG #bad :x", "LIST", "TOPIC #bad", "WHO #bad"):
            f.send(cmd)
        for i in range(5):
            f.expect(r" 451 \* :You have not registered")
        h.check("early_commands_451", True)
        f.close()

        # the server still serves: a message goes round
        a.send("PRIVMSG #bad :still alive")
        h.check("still_serving", b.expect(r"PRIVMSG #bad :still alive$"))
        st = a.stats()
        h.check("stats_counts", st.get("clients", 0) >= 2 and st.get("channels", 0) >= 1, repr(st))
    finally:
        a.close()
        b.close()


def test_never_reading_client(h):
    """A client that never reads is disconnected with an ERROR once its
    queue stays full; the others get every message, in order. The stuck
    client is Linux on the LAN (no user-networking buffers in between,
    which would absorb megabytes first), so this needs root."""
    l = the_lan(h)
    g1 = lan_chatd(l)
    addr = (lanlib.guest_addr(1), 6667)
    mk = lambda nick, **kw: in_netns(l.peer_ns, lambda: irc_load.IrcClient(
        addr[0], addr[1], nick, timeout=harness.scaled(60), **kw))
    stuck = mk("stuck", rcvbuf=2048)
    sender, reader = mk("sender"), mk("reader")
    try:
        for c in (stuck, sender, reader):
            c.register()
            c.join("#stuck")
        n = 3000
        pad = "p" * 60
        data = "".join("PRIVMSG #stuck :S %d %s\r\n" % (k, pad) for k in range(n))
        t = threading.Thread(target=sender.send_raw, args=(data,), daemon=True)
        t.start()
        got = []
        deadline = time.monotonic() + harness.scaled(180)
        while len(got) < n and time.monotonic() < deadline:
            m = reader.expect(r"PRIVMSG #stuck :S (\d+) |QUIT :SendQ", harness.scaled(120))
            if m.group(1) is not None:
                got.append(int(m.group(1)))
        t.join(timeout=60)
        h.check("reader_got_all_in_order", got == list(range(n)),
                "%d messages, first wrong at %s" % (len(got), next(
                    (i for i, v in enumerate(got) if v != i), None)))
        quit_seen = any(re.search(r"^:stuck!\S+ QUIT :SendQ (stalled|exceeded)", l)
                        for l in reader.lines)
        if not quit_seen:
            reader.expect(r"^:stuck!\S+ QUIT :SendQ (stalled|exceeded)", harness.scaled(60))
        h.check("stuck_client_dropped", True)
        # the stuck client's own stream ends (after an ERROR, if it ever reads)
        rest = stuck.wait_closed(harness.scaled(60))
        h.check("stuck_connection_closed", stuck.closed, repr(rest[-3:]))
        h.check("server_alive", reader.command("PING :x", r" PONG \S+ :x$"))
    finally:
        for c in (stuck, sender, reader):
            c.close()


# ---------------------------------------------------------------- host IRC programs


def wait_file(path, pattern, timeout):
    """Poll a file another program writes until it matches."""
    rx = re.compile(pattern, re.M)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
            m = rx.search(text)
            if m:
                return m
        except OSError:
            text = ""
        if time.monotonic() > deadline:
            raise AssertionError("%s: no %r within %gs; has: %r" % (
                os.path.basename(path), pattern, timeout, text[-500:]))
        time.sleep(0.1)   # polling a file for a condition


def write_fifo(path, text, timeout=20):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise AssertionError("%s never appeared" % path)
        time.sleep(0.1)   # polling for a condition
    with open(path, "w") as f:
        f.write(text)


def test_host_programs_with_guest_chat(h):
    """ii and weechat (host programs from Debian) register with the guest's
    chatd, join a channel and exchange messages with the guest's chat."""
    deps.need(h, "ii", "weechat-headless", "weechat-plugins")
    g = chat_guest()
    tmp = tempfile.mkdtemp(prefix="chat-hosttest-")
    procs = []
    gc = None
    try:
        # ii: a directory of fifos and logs
        iidir = os.path.join(tmp, "ii")
        procs.append(subprocess.Popen(["ii", "-s", "127.0.0.1", "-p", str(g.port), "-n", "iiuser",
                                       "-i", iidir], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        srv = os.path.join(iidir, "127.0.0.1")
        wait_file(os.path.join(srv, "out"), r"End of /MOTD", harness.scaled(30))
        write_fifo(os.path.join(srv, "in"), "/j #host\n")
        chan = os.path.join(srv, "#host")
        wait_file(os.path.join(chan, "out"), r"iiuser.* has joined #host", harness.scaled(30))

        # weechat: headless, commands through its fifo, channel text in its log
        wdir = os.path.join(tmp, "wee")
        fifo = os.path.join(wdir, "fifo")
        cmds = ";".join([
            "/set logger.file.flush_delay 0", "/set fifo.file.enabled on",
            "/set fifo.file.path %s" % fifo, "/set irc.server_default.tls off",
            "/server add xv6 127.0.0.1/%d" % g.port, "/set irc.server.xv6.nicks wee",
            "/set irc.server.xv6.autojoin #host", "/connect xv6"])
        procs.append(subprocess.Popen(["weechat-headless", "--dir", wdir, "--run-command", cmds],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      stdin=subprocess.DEVNULL))
        wlog = os.path.join(wdir, "logs", "irc.xv6.#host.weechatlog")
        wait_file(wlog, r"wee .* has joined #host", harness.scaled(60))

        # the guest's chat joins; everyone sees it
        gc = GuestChat(g.m, "10.0.2.15", "xvuser", "#host")
        wait_file(os.path.join(chan, "out"), r"xvuser.* has joined #host", harness.scaled(30))
        wait_file(wlog, r"xvuser .* has joined #host", harness.scaled(30))
        h.check("guest_chat_joined", True)

        gc.type("hello from xv6")
        wait_file(os.path.join(chan, "out"), r"<xvuser> hello from xv6$", harness.scaled(30))
        h.check("ii_receives_guest", True)
        wait_file(wlog, r"\txvuser\thello from xv6$", harness.scaled(30))
        h.check("weechat_receives_guest", True)

        write_fifo(os.path.join(chan, "in"), "hello from ii\n")
        gc.wait(r"<iiuser> hello from ii\n")
        h.check("guest_receives_ii", True)
        write_fifo(fifo, "irc.xv6.#host *hello from weechat\n")
        gc.wait(r"<wee> hello from weechat\n")
        h.check("guest_receives_weechat", True)
        wait_file(os.path.join(chan, "out"), r"<wee> hello from weechat$", harness.scaled(30))
        h.check("ii_receives_weechat", True)

        # slash commands of the guest's client, seen from the host
        gc.type("/topic the host test")
        wait_file(os.path.join(chan, "out"), r"xvuser changed topic to \"?the host test", harness.scaled(30))
        h.check("slash_topic", True)
        gc.type("/msg iiuser just for you")
        wait_file(os.path.join(srv, "xvuser", "out"), r"<xvuser> just for you$", harness.scaled(30))
        h.check("slash_msg", True)
        gc.type("/names")
        gc.wait(r"\* names on #host: [^\n]*\biiuser\b")
        h.check("slash_names", True)
        gc.type("/nick xvuser2")
        # (ii files nick changes and quits under the server, not the channel)
        wait_file(os.path.join(srv, "out"), r"xvuser changed nick to xvuser2", harness.scaled(30))
        h.check("slash_nick", True)
        gc.type("/part #host going")
        wait_file(os.path.join(chan, "out"), r"xvuser2.* has left #host", harness.scaled(30))
        gc.type("/join #host")
        wait_file(os.path.join(chan, "out"), r"xvuser2\(.*\) has joined #host", harness.scaled(30))
        h.check("slash_part_join", True)
        gc.quit("see you")
        wait_file(os.path.join(srv, "out"), r"xvuser2.* has quit.*see you", harness.scaled(30))
        h.check("slash_quit", True)
        gc = None
    finally:
        if gc is not None:
            gc.abandon()
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- irssi


# irssi's own flood protection sends 5 lines at once, then one per
# cmd_queue_speed (2.2 s): with it, a join right after connecting syncs
# in 7-12 s however fast the server answers (the queries wait in irssi's
# queue; a relay timing each line shows chatd answering each in 2 ms).
# Turned off, the sync time is the server's answering time plus irssi's
# 500 ms command timer, which is what this test measures.
IRSSI_CONFIG = """settings = {
  core = { real_name = "irssi tester"; user_name = "irssi"; nick = "irnick"; };
  "fe-common/core" = { theme = "default"; };
  "irc/core" = { cmd_queue_speed = "0msec"; cmds_max_at_once = "100"; };
};
"""


class Tmux:
    """One program in a detached tmux terminal on a private server socket."""

    def __init__(self, argv, width=160, height=50):
        self.sock = "xv6chat-%d-%d" % (os.getpid(), id(self))
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d",
                        "-s", "t", "-x", str(width), "-y", str(height)] + argv, check=True,
                       timeout=30)

    def keys(self, text):
        subprocess.run(["tmux", "-L", self.sock, "send-keys", "-t", "t", "-l", text],
                       check=True, timeout=30)
        subprocess.run(["tmux", "-L", self.sock, "send-keys", "-t", "t", "Enter"],
                       check=True, timeout=30)

    def screen(self):
        r = subprocess.run(["tmux", "-L", self.sock, "capture-pane", "-p", "-J", "-t", "t",
                            "-S", "-500"], stdout=subprocess.PIPE, text=True,
                           errors="replace", timeout=30)
        return r.stdout

    def wait(self, pattern, timeout):
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            m = rx.search(text)
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError("screen has no %r within %gs; it shows: %r" % (
                    pattern, timeout, text[-1500:]))
            time.sleep(0.2)   # polling the screen for a condition

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_irssi_join_synced(h):
    """irssi (Debian's, in tmux) joins a channel on the guest's chatd: the
    WHO, MODE and ban-list queries it sends on every join are answered,
    so it reports the join synced in under 2 s (its own line), and its
    raw log shows the 315 and 368 ends."""
    deps.need(h, "irssi", "tmux")
    g = chat_guest()
    tmp = tempfile.mkdtemp(prefix="chat-irssi-")
    with open(os.path.join(tmp, "config"), "w") as f:
        f.write(IRSSI_CONFIG)
    raw = os.path.join(tmp, "raw.log")
    t = Tmux(["irssi", "--home=" + tmp, "-n", "irnick", "-c", "127.0.0.1", "-p", str(g.port)])
    try:
        t.wait(r"End of /MOTD|MOTD File is missing", harness.scaled(60))
        t.keys("/rawlog open " + raw)
        # irssi sends its three channel queries (MODE, WHO, MODE b) one per
        # tick of its 500 ms command timer, so a prompt server syncs the
        # join in 1.0-1.5 s; irssi prints whole seconds of the wall clock
        # (time(NULL) differences). Typing /join early in a second makes
        # that 1, as it is for ngircd; a server that leaves a query
        # unanswered shows 5 and more.
        while time.time() % 1.0 > 0.1:
            time.sleep(0.02)   # waiting for a clock boundary, not for an event
        t.keys("/join #room")
        m = t.wait(r"Join to #room was synced in (\d+) secs", harness.scaled(60))
        secs = int(m.group(1))
        h.check("synced_under_2s", secs < 2, "irssi: Join to #room was synced in %d secs" % secs)
        m = wait_file(raw, r" 368 irnick #room ", harness.scaled(30))
        text = open(raw, errors="replace").read()
        h.check("who_end_315", re.search(r"^>> :\S+ 315 irnick #room ", text, re.M) is not None,
                text[-1500:])
        h.check("banlist_end_368", re.search(r"^>> :\S+ 368 irnick #room ", text, re.M) is not None,
                text[-1500:])
        h.check("op_prefix_shown", re.search(r" 353 irnick [=@*] #room :@irnick", text) is not None,
                text[-1500:])
        h.check("mode_324", re.search(r"^>> :\S+ 324 irnick #room ", text, re.M) is not None,
                text[-1500:])
        t.keys("/quit irssi done")
    finally:
        t.close()
        shutil.rmtree(tmp, ignore_errors=True)


NGIRCD_CONF = """[Global]
Name = irc.test.example
Info = xv6-streams test server
Listen = 127.0.0.1
Ports = %d
MotdPhrase = ngircd for the xv6Chat test
[Limits]
MaxNickLength = 16
[Options]
DNS = no
Ident = no
PAM = no
"""


def test_guest_chat_with_ngircd(h):
    """The guest's chat joins a host ngircd and talks with a host client."""
    deps.need(h, "ngircd")
    ngircd = deps.command("ngircd")
    g = chat_guest()
    tmp = tempfile.mkdtemp(prefix="chat-ngircd-")
    port = free_port()
    conf = os.path.join(tmp, "ngircd.conf")
    with open(conf, "w") as f:
        f.write(NGIRCD_CONF % port)
    os.chmod(tmp, 0o755)
    os.chmod(conf, 0o644)
    p = subprocess.Popen([ngircd, "-n", "-f", conf], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    gc = None
    c = None
    try:
        deadline = time.monotonic() + harness.scaled(20)
        while True:
            try:
                c = irc_load.IrcClient("127.0.0.1", port, "hostie", timeout=harness.scaled(30))
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise AssertionError("ngircd did not start: %s" % (
                        p.stdout.read() if p.poll() is not None else "no listener"))
                time.sleep(0.1)   # waiting for the server's port to open
        c.register()
        c.join("#ng")
        gc = GuestChat(g.m, "10.0.2.2!%d" % port, "xvng", "#ng")
        h.check("guest_joined_ngircd", c.expect(r"^:xvng!\S+ JOIN :?#ng$"))
        gc.type("hello ngircd")
        h.check("host_receives", c.expect(r"^:xvng!\S+ PRIVMSG #ng :hello ngircd$"))
        c.send("PRIVMSG #ng :hello guest")
        h.check("guest_receives", gc.wait(r"<hostie> hello guest\n"))
        c.send("PRIVMSG xvng :privately")
        h.check("guest_receives_private", gc.wait(r"\*hostie\* privately\n"))
        gc.type("/msg hostie answer from xv6")
        h.check("private_to_host", c.expect(r"^:xvng!\S+ PRIVMSG hostie :answer from xv6$"))
        gc.quit("leaving ngircd")
        gc = None
        h.check("quit_on_ngircd", c.expect(r"^:xvng!\S+ QUIT :.*leaving ngircd"))
    finally:
        if gc is not None:
            gc.abandon()
        if c:
            c.close()
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- load


def wait_stats(c, cond, timeout):
    """Ask STATS until cond(stats) holds; returns the last figures."""
    deadline = time.monotonic() + timeout
    while True:
        st = c.stats()
        if cond(st) or time.monotonic() > deadline:
            return st
        time.sleep(0.5)   # between polls of a condition


def test_load_64_clients(h):
    """64 host clients each send 50 messages to one channel: every client
    gets all the others' messages exactly once, in per-sender order; the
    server's memory returns to where it was once they have left.

    The run is done twice. The first grows chatd's heap (queues under
    load) and warms the kernel's caches; what it leaves is the baseline.
    The second must leave exactly that: the same bytes in use by chatd,
    no heap growth, the kernel's free pages back."""
    g = chat_guest()
    probe = client("probe")
    try:
        probe.register()
        runs = []
        for k in range(2):
            r = irc_load.run_load("127.0.0.1", g.port, clients=64, messages=50,
                                  chan="#load%d" % k, prefix="ld%d_" % k,
                                  timeout=harness.scaled(300),
                                  join_timeout=harness.scaled(120))
            h.check("run%d_all_messages_once_in_order" % (k + 1), r["ok"],
                    "; ".join(r["problems"]))
            runs.append(r)
            st = wait_stats(probe, lambda s: s["clients"] == 1 and s["channels"] == 0,
                            harness.scaled(60))
            h.check("run%d_clients_gone" % (k + 1), st["clients"] == 1 and st["channels"] == 0,
                    repr(st))
            if k == 0:
                base = st
        after = wait_stats(probe, lambda s: s["inuse"] == base["inuse"] and
                           s["freepages"] >= base["freepages"] - 8, harness.scaled(60))
        h.check("server_memory_back", after["inuse"] == base["inuse"] and
                after["objects"] == base["objects"], "inuse %d -> %d, objects %d -> %d" % (
                    base["inuse"], after["inuse"], base["objects"], after["objects"]))
        h.check("heap_not_grown", after["heap"] <= base["heap"], "heap %d -> %d" % (
            base["heap"], after["heap"]))
        h.check("kernel_pages_back", after["freepages"] >= base["freepages"] - 8,
                "free pages %d before, %d after" % (base["freepages"], after["freepages"]))
        r = runs[-1]
        print("# chat load: 64 clients x 50 messages in %.1f s, %.0f deliveries/s" % (
            r["seconds"], r["msgs_per_s"]), flush=True)
    finally:
        probe.close()


# ---------------------------------------------------------------- operators, modes, commands


def reply(h, name, c, line, want, timeout=10):
    """Send line from c; check that a line matching want comes back."""
    try:
        c.command(line, want, timeout=harness.scaled(timeout))
        return h.check(name, True)
    except irc_load.IrcError as e:
        return h.check(name, False, "%s -> %s" % (line, e))


def seen(h, name, c, want, timeout=10):
    """Check that c receives a line matching want."""
    try:
        c.expect(want, timeout=harness.scaled(timeout))
        return h.check(name, True)
    except irc_load.IrcError as e:
        return h.check(name, False, str(e))


def test_modes_and_commands(h):
    """Through the guest's stack, raw IRC: channel operators and every
    channel mode, KICK, INVITE, AWAY, WHO, WHOIS, WHOWAS, LUSERS, OPER
    (credentials from configs/chatd.conf), KILL, WALLOPS, user modes,
    VERSION/TIME/ADMIN/INFO and 005: each success, and each refusal
    numeric."""
    op, mem, out, other = client("chop"), client("member"), client("outside"), client("other")
    cs = [op, mem, out, other]
    try:
        op.send("NICK chop")
        op.send("USER chop 0 * :Chan Op")
        welcome = op.collect(r" (376|422) chop ", harness.scaled(30))
        isup = " ".join(l for l in welcome if " 005 chop " in l)
        for tok in ("CASEMAPPING=rfc1459", "CHANTYPES=#", "PREFIX=(ov)@+", "CHANMODES=beI,k,l,imnpst",
                    "NICKLEN=16", "CHANNELLEN=50", "TOPICLEN=300", "KICKLEN=160", "AWAYLEN=160",
                    "MODES=4", "NETWORK=xv6chat"):
            h.check("isupport_%s" % tok.split("=")[0], tok in isup, isup)
        h.check("lusers_on_welcome", any(" 251 chop " in l for l in welcome), repr(welcome[-12:]))
        for c in (mem, out, other):
            c.register()
        op.join("#e2e")
        mem.join("#e2e")
        # operators
        reply(h, "op_482", mem, "MODE #e2e +t", r" 482 member #e2e ")
        reply(h, "op_442", out, "MODE #e2e +t", r" 442 outside #e2e ")
        reply(h, "op_403", out, "MODE #none +t", r" 403 outside #none ")
        reply(h, "op_401", op, "MODE #e2e +o ghost", r" 401 chop ghost ")
        reply(h, "op_441", op, "MODE #e2e +o outside", r" 441 chop outside #e2e ")
        reply(h, "op_472", op, "MODE #e2e +Z", r" 472 chop Z ")
        reply(h, "op_voice", op, "MODE #e2e +v member", r"^:chop!\S+ MODE #e2e \+v member$")
        reply(h, "names_prefixes", out, "NAMES #e2e", r" 353 outside = #e2e :@chop \+member$")
        reply(h, "op_give", op, "MODE #e2e +o member", r" MODE #e2e \+o member$")
        reply(h, "op_take", mem, "MODE #e2e -o chop", r"^:member!\S+ MODE #e2e -o chop$")
        reply(h, "op_324", op, "MODE #e2e", r" 324 chop #e2e \+n$")
        reply(h, "op_back", mem, "MODE #e2e +o-ov chop member member",
              r" MODE #e2e \+o-ov chop member member$")
        # +t
        reply(h, "t_set", op, "MODE #e2e +t", r" MODE #e2e \+t$")
        reply(h, "t_482", mem, "TOPIC #e2e :mine", r" 482 member #e2e ")
        reply(h, "t_op", op, "TOPIC #e2e :the topic", r" TOPIC #e2e :the topic$")
        # +n, +m/+v
        reply(h, "n_404", out, "PRIVMSG #e2e :from outside", r" 404 outside #e2e ")
        reply(h, "m_set", op, "MODE #e2e +m", r" MODE #e2e \+m$")
        reply(h, "m_404", mem, "PRIVMSG #e2e :muted", r" 404 member #e2e ")
        reply(h, "m_voice", op, "MODE #e2e +v member", r" MODE #e2e \+v member$")
        mem.send("PRIVMSG #e2e :voiced")
        seen(h, "m_voiced_speaks", op, r"^:member!\S+ PRIVMSG #e2e :voiced$")
        reply(h, "m_unset", op, "MODE #e2e -m", r" MODE #e2e -m$")
        # +k
        reply(h, "k_525", op, "MODE #e2e +k a,b", r" 525 chop #e2e ")
        reply(h, "k_set", op, "MODE #e2e +k sesame", r" MODE #e2e \+k sesame$")
        reply(h, "k_467", op, "MODE #e2e +k other", r" 467 chop #e2e ")
        reply(h, "k_475", out, "JOIN #e2e", r" 475 outside #e2e ")
        reply(h, "k_join", out, "JOIN #e2e sesame", r" 366 outside #e2e ")
        reply(h, "k_part", out, "PART #e2e", r"^:outside!\S+ PART #e2e")
        reply(h, "k_unset", op, "MODE #e2e -k", r" MODE #e2e -k \*$")
        # +l
        reply(h, "l_set", op, "MODE #e2e +l 2", r" MODE #e2e \+l 2$")
        reply(h, "l_471", out, "JOIN #e2e", r" 471 outside #e2e ")
        reply(h, "l_unset", op, "MODE #e2e -l", r" MODE #e2e -l$")
        # +i with INVITE
        reply(h, "i_set", op, "MODE #e2e +i", r" MODE #e2e \+i$")
        reply(h, "i_473", out, "JOIN #e2e", r" 473 outside #e2e ")
        reply(h, "invite_443", op, "INVITE member #e2e", r" 443 chop member #e2e ")
        reply(h, "invite_401", op, "INVITE ghost #e2e", r" 401 chop ghost ")
        reply(h, "invite_442", other, "INVITE outside #e2e", r" 442 other #e2e ")
        reply(h, "invite_341", op, "INVITE outside #e2e", r" 341 chop outside #e2e$")
        seen(h, "invite_told", out, r"^:chop!\S+ INVITE outside :#e2e$")
        reply(h, "invite_joins", out, "JOIN #e2e", r" 366 outside #e2e ")
        reply(h, "i_unset", op, "MODE #e2e -i", r" MODE #e2e -i$")
        # KICK
        reply(h, "kick_482", out, "KICK #e2e member", r" 482 outside #e2e ")
        reply(h, "kick_441", op, "KICK #e2e other", r" 441 chop other #e2e ")
        reply(h, "kick_401", op, "KICK #e2e ghost", r" 401 chop ghost ")
        reply(h, "kick_403", op, "KICK #none member", r" 403 chop #none ")
        reply(h, "kick_442", other, "KICK #e2e member", r" 442 other #e2e ")
        reply(h, "kick", op, "KICK #e2e outside :out you go", r"^:chop!\S+ KICK #e2e outside :out you go$")
        seen(h, "kick_victim_told", out, r" KICK #e2e outside :out you go$")
        # +b, +e, +I lists
        reply(h, "b_set", op, "MODE #e2e +b outs*", r" MODE #e2e \+b outs\*!\*@\*$")
        reply(h, "b_474", out, "JOIN #e2e", r" 474 outside #e2e ")
        reply(h, "b_367", other, "MODE #e2e b", r" 367 other #e2e outs\*!\*@\* chop ")
        reply(h, "b_368", other, "MODE #e2e b", r" 368 other #e2e ")
        reply(h, "e_set", op, "MODE #e2e +e outside", r" MODE #e2e \+e outside!\*@\*$")
        reply(h, "e_348", op, "MODE #e2e e", r" 348 chop #e2e outside!\*@\* ")
        reply(h, "e_349", op, "MODE #e2e e", r" 349 chop #e2e ")
        reply(h, "e_lets_in", out, "JOIN #e2e", r" 366 outside #e2e ")
        reply(h, "I_set", op, "MODE #e2e +I *!*@10.0.2.2", r" MODE #e2e \+I \*!\*@10\.0\.2\.2$")
        reply(h, "I_346", op, "MODE #e2e I", r" 346 chop #e2e \*!\*@10\.0\.2\.2 ")
        reply(h, "I_347", op, "MODE #e2e I", r" 347 chop #e2e ")
        reply(h, "blist_clear", op, "MODE #e2e -beI outs* outside *!*@10.0.2.2", r" MODE #e2e -beI ")
        # +s / +p
        reply(h, "s_set", op, "MODE #e2e +s", r" MODE #e2e \+s$")
        lst = other.command("LIST", r" 323 other ")
        h.check("s_hidden_from_list", not any("#e2e" in l for l in lst), repr(lst))
        who = other.command("WHOIS chop", r" 318 other ")
        h.check("s_hidden_from_whois", not any("#e2e" in l for l in who), repr(who))
        reply(h, "s_symbol_members", mem, "NAMES #e2e", r" 353 member @ #e2e :")
        reply(h, "p_set", op, "MODE #e2e -s+p", r" MODE #e2e -s\+p$")
        reply(h, "p_symbol", mem, "NAMES #e2e", r" 353 member \* #e2e :")
        # AWAY, WHO, WHOIS, WHOWAS, LUSERS
        reply(h, "away_306", mem, "AWAY :at lunch", r" 306 member ")
        reply(h, "away_301", other, "PRIVMSG member :there?", r" 301 other member :at lunch$")
        reply(h, "away_who_G", op, "WHO #e2e", r" member G[@+]* :0 ")
        reply(h, "away_305", mem, "AWAY", r" 305 member ")
        reply(h, "who_mask", other, "WHO ch*", r" 352 other \* ~chop \S+ \S+ chop H ")
        reply(h, "who_315", other, "WHO ch*", r" 315 other ch\* ")
        w = other.command("WHOIS member", r" 318 other member ")
        for num in ("311", "312", "317", "318"):
            h.check("whois_%s" % num, any(" %s other member " % num in l for l in w), repr(w))
        reply(h, "whois_401", other, "WHOIS ghost", r" 401 other ghost ")
        reply(h, "whowas_406", other, "WHOWAS ghost", r" 406 other ghost ")
        reply(h, "lusers", other, "LUSERS", r" 266 other ")
        # user modes
        reply(h, "umode_221", other, "MODE other", r" 221 other \+$")
        reply(h, "umode_i", other, "MODE other +iw", r"^:other!\S+ MODE other :\+iw$")
        reply(h, "umode_501", other, "MODE other +Q", r" 501 other ")
        reply(h, "umode_502", other, "MODE chop +i", r" 502 other ")
        # OPER, KILL, WALLOPS
        reply(h, "kill_481", op, "KILL other :x", r" 481 chop ")
        reply(h, "wallops_481", op, "WALLOPS :x", r" 481 chop ")
        reply(h, "oper_491", op, "OPER nobody x", r" 491 chop ")
        reply(h, "oper_464", op, "OPER admin wrong", r" 464 chop ")
        reply(h, "oper_381", op, "OPER admin xv6chat-oper", r" 381 chop ")
        reply(h, "oper_313", other, "WHOIS chop", r" 313 other chop ")
        op.send("WALLOPS :hello operators")
        seen(h, "wallops_to_w", other, r"^:chop!\S+ WALLOPS :hello operators$")
        reply(h, "kill_401", op, "KILL ghost :x", r" 401 chop ghost ")
        op.send("KILL outside :enough")
        seen(h, "kill_victim", out, r"^ERROR :Closing Link: \S+ \(Killed \(chop \(enough\)\)\)$")
        seen(h, "kill_quit", mem, r"^:outside!\S+ QUIT :Killed \(chop \(enough\)\)$")
        reply(h, "whowas_314", other, "WHOWAS outside", r" 314 other outside ~outside ")
        # about the server
        reply(h, "version_351", other, "VERSION", r" 351 other xv6chat-\S+ ")
        reply(h, "time_391", other, "TIME", r" 391 other ")
        reply(h, "admin_256", other, "ADMIN", r" 259 other :")
        reply(h, "info_374", other, "INFO", r" 374 other ")
        reply(h, "version_402", other, "VERSION irc.elsewhere", r" 402 other irc\.elsewhere ")
        for c in cs:
            c.send("QUIT")
    finally:
        for c in cs:
            c.close()


def test_guest_chat_operator_commands(h):
    """The guest's `chat` as a channel operator on the guest's chatd:
    /op, /voice, /mode, /who, /away, /invite, /kick reach a host client
    as the right protocol lines, and what the server sends back (modes,
    WHO flags, away replies, invitations, kicks) shows on the console."""
    g = chat_guest()
    m = g.m
    gc = GuestChat(m, "10.0.2.15", "xvop", "#gops")
    host, third = client("hostie"), client("third")
    step = [len(m.console)]

    def do(line):
        step[0] = len(m.console)
        gc.type(line)

    def shows(name, pattern):
        try:
            m.wait_for(re.compile(pattern), harness.scaled(30), start=step[0],
                       what="%r on the console" % pattern)
            return h.check(name, True)
        except qemu.GuestError as e:
            return h.check(name, False, "%s; console: %r" % (e.what, m.console[step[0]:][-400:]))

    try:
        host.register()
        third.register()
        step[0] = len(m.console)
        host.join("#gops")
        shows("sees_join", r"\* hostie joined #gops")
        do("/op hostie")
        seen(h, "op_sent", host, r"^:xvop!\S+ MODE #gops \+o hostie$")
        shows("op_shown", r"\* xvop sets mode \+o hostie on #gops")
        do("/voice hostie")
        seen(h, "voice_sent", host, r"^:xvop!\S+ MODE #gops \+v hostie$")
        do("/deop hostie")
        seen(h, "deop_sent", host, r"^:xvop!\S+ MODE #gops -o hostie$")
        do("/mode +t")
        seen(h, "mode_sent", host, r"^:xvop!\S+ MODE #gops \+t$")
        do("/mode")
        shows("mode_324_shown", r"\* modes of #gops: \+tn")
        do("/who")
        shows("who_op_prefix", r"\* @xvop \(~xvop@\S+\) on #gops")
        shows("who_voice_prefix", r"\* \+hostie \(~hostie@\S+\) on #gops")
        do("/away at lunch")
        shows("away_306_shown", r"\* you are marked as away")
        reply(h, "away_301_to_host", host, "PRIVMSG xvop :there?", r" 301 hostie xvop :at lunch$")
        do("/away")
        shows("away_305_shown", r"\* you are no longer marked as away")
        host.command("AWAY :brb", r" 306 hostie ")
        do("/msg hostie ping")
        shows("away_reply_shown", r"\* hostie is away: brb")
        do("/invite third")
        seen(h, "invite_sent", third, r"^:xvop!\S+ INVITE third :#gops$")
        shows("invite_341_shown", r"\* invited third to #gops")
        step[0] = len(m.console)
        host.join("#hostch")
        host.send("INVITE xvop #hostch")
        shows("invited_shown", r"\* hostie invites you to #hostch \(/join #hostch\)")
        do("/kick hostie bye now")
        seen(h, "kick_sent", host, r"^:xvop!\S+ KICK #gops hostie :bye now$")
        shows("kick_shown", r"\* hostie was kicked from #gops by xvop \(bye now\)")
        host.join("#gops")
        do("/op hostie")
        seen(h, "op_again", host, r" MODE #gops \+o hostie$")
        step[0] = len(m.console)
        host.send("KICK #gops xvop :your turn")
        shows("kicked_self_shown", r"\* you were kicked from #gops by hostie \(your turn\)")
        gc.quit()
        gc = None
        for c in (host, third):
            c.send("QUIT")
    finally:
        if gc is not None:
            gc.abandon()
        host.close()
        third.close()


def test_slow_reader_others_flow(h):
    """One client sends lines and then never reads; 20 others keep
    talking in its channel. Every round of their messages reaches all of
    them within the tolerance (no stall while the silent one's queue
    fills), the silent one is closed with SendQ exceeded, and chatd's
    memory is back at its baseline once all have left. On the LAN (no
    user-networking buffers in between to absorb the backlog), so root."""
    l = the_lan(h)
    lan_chatd(l)
    addr = (lanlib.guest_addr(1), 6667)
    mk = lambda nick, **kw: in_netns(l.peer_ns, lambda: irc_load.IrcClient(
        addr[0], addr[1], nick, timeout=harness.scaled(60), **kw))
    probe = mk("sprobe")
    probe.register()
    base = wait_stats(probe, lambda s: s["clients"] == 1, harness.scaled(60))
    silent = mk("silent", rcvbuf=2048)
    others = [mk("flow%d" % k) for k in range(20)]
    try:
        for c in [silent] + others:
            c.register()
            c.join("#slow")
        for k in range(5):
            silent.send("PRIVMSG #slow :from the silent one %d" % k)
        tolerance = min(harness.scaled(1.5), 5.0)
        pad = "x" * 200
        worst, worst_round, killed_at = 0.0, None, None
        for r in range(80):
            t0 = time.monotonic()
            for k, c in enumerate(others):
                c.send("PRIVMSG #slow :R%d-%d %s" % (r, k, pad))
            for k, c in enumerate(others):
                want = set(range(20)) - {k}
                while want:
                    m = c.expect(r"PRIVMSG #slow :R%d-(\d+) |QUIT :SendQ exceeded" % r,
                                 harness.scaled(30))
                    if m.group(1) is not None:
                        want.discard(int(m.group(1)))
                    elif killed_at is None:
                        killed_at = r
            took = time.monotonic() - t0
            if took > worst:
                worst, worst_round = took, r
            if killed_at is not None and r >= killed_at + 3:
                break
        h.check("others_never_stalled", worst <= tolerance,
                "round %s took %.2f s (tolerance %.2f s)" % (worst_round, worst, tolerance))
        h.check("silent_one_sendq_exceeded", killed_at is not None and any(
            re.search(r"^:silent!\S+ QUIT :SendQ exceeded$", x) for x in others[0].lines),
            "no QUIT :SendQ exceeded for the silent client")
        rest = silent.wait_closed(harness.scaled(60))
        h.check("silent_connection_closed", silent.closed, repr(rest[-3:]))
        for c in others:
            c.send("QUIT")
        for c in others:
            c.wait_closed(harness.scaled(30))
        after = wait_stats(probe, lambda s: s["clients"] == 1 and s["inuse"] == base["inuse"],
                           harness.scaled(60))
        h.check("chatd_memory_back", after["clients"] == 1 and after["inuse"] == base["inuse"] and
                after["objects"] == base["objects"], "inuse %d -> %d, objects %d -> %d" % (
                    base["inuse"], after["inuse"], base["objects"], after["objects"]))
        h.check("nobody_held_back", after.get("holding", 0) == 0, repr(after))
    finally:
        for c in [silent, probe] + others:
            c.close()


# ---------------------------------------------------------------- LAN

CLONE_NEWNET = 0x40000000


def in_netns(ns, fn):
    """Run fn() with this thread in network namespace ns: sockets made
    meanwhile belong to ns for good. The thread returns to its own
    namespace afterwards (setns(2) acts on the calling thread only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    path = "/run/netns/%s" % ns
    if not os.path.exists(path):
        path = "/var/run/netns/%s" % ns
    target = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns into %s" % ns)
        try:
            return fn()
        finally:
            if libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(own)
        os.close(target)


class NsRelay:
    """TCP relay: listens on the host's loopback, and joins each
    connection to `target` reached from inside namespace ns."""

    def __init__(self, ns, target):
        self.ns, self.target = ns, target
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.lsock, selectors.EVENT_READ, None)
        self.running = True
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while self.running:
                for key, _ in self.sel.select(0.5):
                    if key.data is None:
                        a, _ = self.lsock.accept()
                        b = in_netns(self.ns, lambda: socket.create_connection(self.target, 30))
                        self.sel.register(a, selectors.EVENT_READ, b)
                        self.sel.register(b, selectors.EVENT_READ, a)
                        continue
                    src, dst = key.fileobj, key.data
                    try:
                        data = src.recv(65536)
                    except OSError:
                        data = b""
                    if data:
                        dst.sendall(data)
                    else:
                        for s in (src, dst):
                            try:
                                self.sel.unregister(s)
                            except (KeyError, ValueError):
                                pass
                            s.close()
        except Exception as e:      # reported by the test
            self.error = e

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


_lan = None
_lan_g1 = None


def release_machines():
    """Power off this module's guests (the other modules need the memory)."""
    global _lan, _lan_g1, _guest
    if _lan is not None:
        _lan.close()
        _lan = _lan_g1 = None
    if _guest is not None:
        _guest.m.close()
        _guest = None


def the_lan(h):
    global _lan
    ok, why = lanlib.have_root()
    if not ok:
        h.skip("the LAN part needs root: " + why)
    if _lan is None:
        _lan = lanlib.Lan(smp=GUEST_SMP)
        import atexit
        atexit.register(_lan.close)
    return _lan


def lan_chatd(l):
    """Guest 1 of the LAN, running chatd."""
    global _lan_g1
    m = l.machines.get(1)
    if m is None or not m.alive or _lan_g1 is not m:
        m = l.guest(1, extra_boot="chat=on")
        wait_chatd(m)
        m.baseline = leakcheck.read(m)
        _lan_g1 = m
    return m


def test_three_guests_one_channel(h):
    """Two LAN guests and a user-networking guest chat in one channel:
    every line typed on each reaches the other two exactly once, in order."""
    # the last test of the module: the guests go when it ends, after the
    # check that each has given back all the module's tests took
    try:
        _three_guests(h)
        guests = {"lan%d" % n: m for n, m in the_lan(h).machines.items()}
        if _guest is not None:
            guests["user"] = _guest.m
        # chatd's heap grows with its busiest moment (64 clients on the
        # user-networking guest) and stays grown; test_load_64_clients
        # checks that bound itself. Free pages may be fewer by that much,
        # up to 4 MiB; everything else must be back exactly.
        leakcheck.check_guests(h, guests, slack_pages=1024)
    finally:
        release_machines()


def _three_guests(h):
    l = the_lan(h)
    g1 = lan_chatd(l)
    g2 = l.machines.get(2)
    if g2 is None or not g2.alive:
        g2 = l.guest(2)
        g2.baseline = leakcheck.read(g2)
    g3 = chat_guest().m
    relay = NsRelay(l.peer_ns, (lanlib.guest_addr(1), 6667))
    chats = []
    try:
        for m, addr, nick in ((g1, lanlib.guest_addr(1), "lan1"),
                              (g2, lanlib.guest_addr(1), "lan2"),
                              (g3, "10.0.2.2!%d" % relay.port, "user3")):
            chats.append(GuestChat(m, addr, nick, "#lan"))
        c1, c2, c3 = chats
        # everyone has seen everyone join
        c1.wait(r"\* user3 joined #lan")
        c2.wait(r"\* user3 joined #lan")
        h.check("all_joined", True)
        lines = 6
        # each guest types a burst while the others are quiet (so that
        # console echo and incoming text never interleave), then all
        # wait until the other two have it
        for turn in range(2):
            for k, c in enumerate(chats):
                sent = ["line %d-%d-%d" % (k + 1, turn, i) for i in range(lines)]
                for s in sent:
                    c.type(s)
                for o in chats:
                    if o is not c:
                        o.wait(r"<%s> %s\n" % (re.escape(c.nick), re.escape(sent[-1])), 60)
        for k, c in enumerate(chats):
            for o in chats:
                if o is c:
                    continue
                text = o.text()
                want = ["<%s> line %d-%d-%d" % (c.nick, k + 1, t, i)
                        for t in range(2) for i in range(lines)]
                pos, good = 0, True
                for w in want:
                    if text.count(w + "\n") != 1:
                        good = False
                        break
                    at = text.find(w + "\n")
                    if at < pos:
                        good = False
                        break
                    pos = at
                h.check("%s_to_%s_once_in_order" % (c.nick, o.nick), good,
                        "missing, repeated or out of order: %r" % w)
            h.check("%s_not_echoed_to_self" % c.nick, c.text().count("<%s> line" % c.nick) == 0)
        for c in chats:
            c.quit()
        chats = []
        h.check("relay_ok", relay.error is None, repr(relay.error))
    finally:
        for c in chats:
            c.abandon()
        relay.close()


# tests/run.py calls it after the module's last test, run or not.
teardown = release_machines
