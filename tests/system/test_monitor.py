"""Issue 5 (and the echo guest of issue 4): the serial-console monitor, driven
over Bochs's COM1 socket the way an operator types."""
import re

import pytest

from kestrel import BochsSession, build_iso

PROMPT = "kestrel> "
EXITS_HEADER = "  REASON                       NR        COUNT      %            TICKS   PER EXIT"
EXIT_ROW = re.compile(r"^  ([A-Z_0-9]+) +(\d+) +(\d+) +(\d+\.\d\d) +(\d+) +(\d+)$")
EXIT_TOTAL = re.compile(r"^  total +(\d+) 100\.00 +(\d+) +(\d+)$")


@pytest.fixture(scope="module")
def iso():
    return build_iso("timeout=600000", [("echo.elf", "echo"), ("ticker.elf", "ticker"), ("spin.bin", "spin mem=2M"),
                                        ("hello.bin", "hello")], name="monitor")


def command(s, line, expect, timeout=60):
    """Type a command line; wait for `expect` in what follows."""
    start = len(s.text)
    s.send(line + "\r")
    return s.text[start:s.wait_for(expect, timeout=timeout, start=start)]


def exits_table(s, line, title):
    """Run an `exits` command and check its answer (docs/monitor.md): the
    title line, the header, rows most frequent first whose counts add up
    to the total row, each with its ticks per exit. Returns {reason: count}."""
    start = len(s.text)
    s.send(line + "\r")
    begin = s.wait_for(f"\n{title}: ", start=start) - len(title) - 2
    end = s.wait_for("\n", start=s.wait_for("\n  total ", start=begin))
    # Guest lines may come in between, each on a line of its own.
    lines = [l for l in s.text[begin:end].splitlines() if l and not l.startswith("[") and "\x1b" not in l]
    if not re.fullmatch(rf"{re.escape(title)}: \d+ exits", lines[0]) or lines[1] != EXITS_HEADER:
        s.fail(f"{line}: unexpected title or header: {lines[:2]}")
    rows = [EXIT_ROW.match(l) for l in lines[2:-1]]
    total = EXIT_TOTAL.match(lines[-1])
    if not all(rows) or not total:
        s.fail(f"{line}: a row does not have the documented form: {lines}")
    counts = [int(r.group(3)) for r in rows]
    if counts != sorted(counts, reverse=True) or sum(counts) != int(total.group(1)):
        s.fail(f"{line}: rows not most frequent first, or not adding up to the total: {lines}")
    triples = [(int(r.group(3)), int(r.group(5)), int(r.group(6))) for r in rows]
    for count, ticks, per in triples + [tuple(int(x) for x in total.groups())]:
        if per != ticks // count:
            s.fail(f"{line}: ticks per exit is not ticks / count: {lines}")
    return {r.group(1): int(r.group(3)) for r in rows}


def test_monitor_session(iso):
    s = BochsSession(iso, name="monitor")
    s.wait_for(PROMPT)
    s.wait_for("[hello] Hello from real mode")
    out = command(s, "version", "Kestrel 0.1.0")
    out = command(s, "list", "hello")
    for name in ("echo", "ticker", "spin"):
        if name not in s.text[s.text.rfind("ID"):]:
            s.fail(f"list does not show {name}")
    command(s, "info hello", "port 0xF4")
    command(s, "regs spin", "RIP")
    ticker = exits_table(s, "exits ticker", "ticker")
    if ticker.get("HLT", 0) == 0 or ticker.get("IO_INSTRUCTION", 0) == 0:
        s.fail(f"exits ticker: no HLT or I/O exits: {ticker}")
    # All VMs: every reason at least what ticker alone had a moment before.
    every = exits_table(s, "exits", "all 4 VMs")
    if any(every.get(name, 0) < n for name, n in ticker.items()):
        s.fail(f"exits: the sum over all VMs is below ticker's own counts: {every} < {ticker}")
    # hello has ended: its counters stand still until they are cleared.
    exits_table(s, "exits hello", "hello")
    command(s, "exits hello reset", "hello: exit counters cleared\n" + PROMPT)
    command(s, "exits hello", "hello: 0 exits\n" + PROMPT)
    command(s, "exits hello again", "usage: exits [VM [reset]]\n" + PROMPT)
    command(s, "pic ticker", "master")
    command(s, "pit ticker", "counter 0: mode 2")
    command(s, "uart echo", "COM1 at 0x3f8 IRQ 4")
    command(s, "mem hello 0x7c00 32", "00007c00")
    command(s, "lsit", "did you mean 'list'")
    command(s, "info nosuch", "no such VM 'nosuch'")
    command(s, "quantum 5", PROMPT)
    command(s, "quantum", "5")
    command(s, "pause spin", PROMPT)
    command(s, "list", "paused")
    command(s, "resume spin", PROMPT)
    command(s, "inject ticker 3 nmi", "an NMI has vector 2 (SDM 3C 26.2.1.3)")
    # The echo guest, attached: keystrokes go to its 16550A receive FIFO.
    command(s, "console echo", "attached to echo")
    start = len(s.text)
    s.send("hello world\r", gap=0.01)
    s.wait_for("echo: hello world", start=start)
    # A burst faster than the guest reads: nothing may be lost.
    burst = "".join(chr(ord("a") + i % 26) for i in range(70))
    start = len(s.text)
    s.send(burst + "\r")
    s.wait_for("echo: " + burst, start=start)
    s.send(b"\x1d")
    s.wait_for(PROMPT, start=start)
    # History: Up recalls the last command; Ctrl-U and backspace edit.
    start = len(s.text)
    s.send("versiom\x7fn\r")
    s.wait_for("Kestrel 0.1.0", start=start)
    s.send("garbage\x15version\r")
    s.wait_for("Kestrel 0.1.0", start=start + 1)
    # Random bytes and broken escapes must not hurt the host.
    s.send(bytes(range(1, 32)).replace(b"\r", b"").replace(b"\n", b"").replace(b"\x1d", b"") + b"\x1b[" + b"9" * 40)
    s.send("\x03")
    # History: Up recalls the previous line.
    start = len(s.text)
    s.send("uptime\r")
    s.wait_for("up 0d", start=start)
    start = len(s.text)
    s.send("\x1b[A\r")
    s.wait_for("up 0d", start=start)
    # Commands typed ahead while a long answer (about 20 KB, more than the
    # host's output ring) is still going out all run, in order. (Bochs holds
    # socket input back rather than overrun the UART, so this does not show
    # the host's own receive ring at work; real serial lines do overrun.)
    start = len(s.text)
    s.send("mem hello 0 4096\r" + "uptime\r" * 5)
    s.wait_for("0000000000000ff0", start=start)
    for _ in range(5):
        start = s.wait_for("up 0d", start=start)
    command(s, "help", "inject")
    command(s, "help quantum", "quantum [MS]")
    command(s, "info 3", "name:      hello")
    command(s, "log ticker", "--- end of ticker ---")
    command(s, "loglevel debug", PROMPT)
    command(s, "loglevel", "debug")
    command(s, "loglevel info", PROMPT)
    # An external interrupt is injected only when the guest accepts one now
    # (RFLAGS.IF, no STI/MOV SS shadow; SDM 26.3.1.5), else refused with why.
    start = len(s.text)
    s.send("inject ticker 0x20 extint\r")
    s.wait_for("ticker: ", start=start)
    end = s.wait_for("\n", start=s.text.index("ticker: ", start))
    line = s.text[s.text.index("ticker: ", start):end]
    if "injecting extint vector 32" not in line and "not accepting interrupts now" not in line:
        s.fail(f"inject extint: neither injected nor refused with a reason: {line!r}")
    command(s, "inject echo 13 hwexc 0x10", "injecting")
    s.wait_for("[echo] *** stopped: guest wrote 141 to port 0xF4")
    command(s, "reset hello", PROMPT)
    s.wait_for("[hello] Hello from real mode", start=len(s.text) - 400)
    start = len(s.text)
    s.send("top\r")
    s.wait_for("ticker", start=start)
    s.send("q")
    s.wait_for(PROMPT, start=start)
    command(s, "stop spin", PROMPT)
    command(s, "list", "stopped")
    exits = [int(n) for n in re.findall(r"^\s+1\s+ticker\s+\w+\s+\S+ \S+\s+\S+%\s+(\d+)$", s.text, re.M)]
    if len(exits) < 3 or not exits[0] < exits[1] < exits[2]:
        s.fail(f"ticker made no progress during the session (exits in each list: {exits})")
    s.wait_for("[ticker] uptime 1 s")
    # reboot resets the machine: Kestrel boots again; then power off.
    start = len(s.text)
    s.send("reboot\r")
    s.wait_for("Kestrel 0.1.0: an x86-64 microhypervisor", start=start, timeout=120)
    s.wait_for(PROMPT, start=start, timeout=120)
    s.send("poweroff\r")
    run = s.close()
    run.expect("summary: ticker")
    run.expect_not("PANIC", "host exception")
