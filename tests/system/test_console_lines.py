"""Issue 8, part 3: whole lines per guest on the host console.

Two guests print long lines at once as fast as the console takes them; every
line on the host console must be one guest's whole line, with and without the
monitor. A prompt without newline ("login: ") must appear on its own within
300 ms of emulated time (the rule is 250 ms of silence), timed against a
guest that prints the TSC every 10 ms (Bochs: guest TSC = host TSC)."""
import re

import pytest

from kestrel import build_iso, run_bochs

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
COUNT = 250  # LINES_COUNT in tests/guests/lines.c
TAGS = {"la": "A", "lb": "B"}
LINE = re.compile(r"\[(la|lb)\] \[([AB])\] (\d{4}) ([A-Za-z]+) ([0-9a-f]{4})")
STOPPED = re.compile(r"\[(la|lb)\] \*\*\* stopped: guest wrote 0 to port 0xF4, exit code 0")
STOPPED_ANY = re.compile(r"\[\w+\] \*\*\* .*")
PROMPT_SLACK_MS = 300  # issue 8: shown within 300 ms (the rule: 250 ms, ticks every 1 ms)


def expected_line(tag, seq):
    """What tests/guests/lines.c prints as line seq (without the newline)."""
    n = 50 + (seq * 37) % 87
    payload = "".join(ALPHABET[(ord(tag) * 13 + seq * 7 + i) % 52] for i in range(n))
    return f"[{tag}] {seq:04d} {payload} {sum(map(ord, payload)) & 0xFFFF:04x}"


def console_lines(run):
    """The serial log's lines with the monitor's prompt redraw taken off: it
    prints 'kestrel> ' after a guest line and CR ESC[K before the next one
    (the CR reads as a line end here)."""
    out = []
    for line in run.serial.splitlines():
        while True:
            stripped = line.removeprefix("kestrel> ").removeprefix("\x1b[K")
            if stripped == line:
                break
            line = stripped
        out.append(line)
    return out


def boot(name, cmdline, modules):
    iso = build_iso(cmdline, modules, name=name)
    return run_bochs(iso, name=name, timeout=300)


@pytest.mark.parametrize("monitor", [True, False], ids=["monitor", "nomonitor"])
def test_two_guests_whole_lines(monitor):
    # About 60 KB at 115200 baud: the host console is the bottleneck (5.5 s).
    cmdline = "timeout=9000" if monitor else "nomonitor timeout=9000"
    name = "lines-" + ("monitor" if monitor else "nomonitor")
    run = boot(name, cmdline, [("lines.elf", "la"), ("lines_b.elf", "lb")])
    seen = {"la": 0, "lb": 0}
    ended = set()
    switches, last = 0, None
    for line in console_lines(run):
        if not line.startswith(("[la]", "[lb]")):
            continue
        if STOPPED.fullmatch(line):
            ended.add(line[1:3])
            continue
        m = LINE.fullmatch(line)
        if not m:
            run.fail(f"not one guest's whole line: {line!r}")
        vm, tag, seq = m.group(1), m.group(2), int(m.group(3))
        if TAGS[vm] != tag:
            run.fail(f"{vm}'s prefix on the other guest's line: {line!r}")
        if seq != seen[vm] + 1:
            run.fail(f"{vm}: line {seq} after line {seen[vm]}")
        if line[len(vm) + 3:] != expected_line(tag, seq):
            run.fail(f"{vm}: line {seq} is not what the guest wrote: {line!r}")
        seen[vm] = seq
        switches += last is not None and last != vm
        last = vm
    if seen != {"la": COUNT, "lb": COUNT} or ended != {"la", "lb"}:
        run.fail(f"lines seen per guest: {seen}, expected {COUNT} each and both end lines")
    # The guests really printed at once: their lines alternate many times.
    if switches < 20:
        run.fail(f"the guests' lines alternate only {switches} times: they did not print at once")


def prompt_timing(run):
    """(T, before, after): when the prompt's last byte was written (guest TSC
    ms), and the stamps printed just before and just after its line."""
    lines = console_lines(run)
    try:
        i = lines.index("[prompt] login: ")
    except ValueError:
        run.fail("no '[prompt] login: ' line of its own")
    done = [j for j, l in enumerate(lines) if re.fullmatch(r"\[prompt\] prompt done at \d+", l)]
    if not done or done[0] < i:
        run.fail("the prompt guest's second line is missing, cut, or came first")
    t = int(lines[done[0]].rsplit(" ", 1)[1])
    stamps = []
    for j, l in enumerate(lines):
        if l.startswith("[stamp] ") and not STOPPED_ANY.fullmatch(l):
            if not re.fullmatch(r"\[stamp\] t=\d+", l):
                run.fail(f"a stamp line was cut: {l!r}")
            stamps.append((j, int(l[len("[stamp] t="):])))
    before = [s for j, s in stamps if j < i]
    after = [s for j, s in stamps if j > i]
    if not before or not after or after[0] - before[-1] > 25:
        run.fail("the stamp guest did not print every 10 ms around the prompt")
    return t, before[-1], after[0]


@pytest.mark.parametrize("monitor", [True, False], ids=["monitor", "nomonitor"])
def test_prompt_without_newline_shown_in_time(monitor):
    # quantum=1: the stamp guest prints within about 1 ms of its TSC reading.
    cmdline = ("" if monitor else "nomonitor ") + "quantum=1 timeout=6000"
    name = "prompt-" + ("monitor" if monitor else "nomonitor")
    run = boot(name, cmdline, [("prompt.elf", "prompt"), ("stamp.elf", "stamp")])
    t, before, after = prompt_timing(run)
    print(f"{name}: prompt written at {t} ms, shown between stamps {before} and {after} "
          f"({before - t}..{after - t} ms later)")
    # Shown after 250 ms of silence: not before (the stamp just after it is
    # late enough) and not much later (that stamp is early enough). A flush
    # at 1 s, or none, fails the second check (or finds no such line).
    window = f"shown between stamps {before} and {after}, prompt written at {t}"
    if after - t < 240:
        run.fail(f"the prompt was shown too early: {window}")
    if after - t > PROMPT_SLACK_MS:
        run.fail(f"the prompt was shown too late: {window}")
