"""The monitor's EPT features: snapshot and rewind, copy-on-write clones,
access watches and dirty-page logging, driven over Bochs's COM1 socket.

The guests (tests/guests/, docs/guests.md) keep their state at fixed
guest-physical addresses and print one whole line per HC_CONSOLE_WRITE, so
a pause, snapshot, rewind or clone (each between two VM exits) never falls
inside a line:

  memcount   ELF64, mem=4M: the u64 counter at 0x300000; count C also goes
             into page C % 256 of 0x200000-0x2FFFFF; "count C" every 50 ms
  rmcount    real mode, mem=1M: the u32 counter at 0x9000; page C % 64 of
             0x20000-0x5FFFF; "count C" every ~50 ms
  watchme    ELF64, mem=4M: V (4 bytes) at 0x300010, stored once per round
             (instruction watchme_store), neighbours at 0x30000C, 0x300014,
             0x300018 stored 3 times each; "V=k" every 100 ms
  pagetouch  ELF64, mem=16M: 1000 distinct pages a second of
             0x800000-0xFFFFFF by its TSC, and one page of its own
             (PAGETOUCH_EXTRA) in every millisecond

Each test has its own Bochs session, so one failure does not hide another.
Every answer and report format the tests rely on is a constant below.
"""
import os
import re
import subprocess
import time

import pytest

from kestrel import GUESTS, BochsSession, build_iso

PROMPT = "kestrel> "
MODULES = [("memcount.elf", "memcount mem=4M"), ("watchme.elf", "watchme mem=4M"),
           ("pagetouch.elf", "pagetouch mem=16M"), ("rmcount.bin", "rmcount mem=1M")]

# The monitor's answers (typed commands) and reports (lines under a VM's
# name, "[NAME] ", like every note about a VM: vmm/guest_console.c).
PAUSED = "{vm}: paused"
RESUMED = "{vm}: resumed"
SNAPSHOT_TAKEN = "{vm}: snapshot {tag} taken ("
REWOUND = re.compile(r"^(\S+): rewound to (\S+) \((\d+) pages restored, (\d+) host ticks\)$")
SNAPSHOTS_COLUMN = "REWINDS"  # `snapshots VM`: a header naming it, a row per tag (tag first)
CLONED = re.compile(r"^(\S+): cloned as (\S+) \(id (\d+)\)$")
INFO_PAGES = re.compile(r"^pages: +(\d+) private, (\d+) shared copy-on-write$")
WATCHING = "{vm}: watching {lo:#x}..{hi:#x} ({mode})"
WATCH_REPORT = re.compile(r"^\[(\S+)\] watch: (\w+) gpa=(0x[0-9a-f]+) gla=(0x[0-9a-f]+) "
                          r"rip=(0x[0-9a-f]+) value=(0x[0-9a-f]+)$")
WATCH_LIST_HEADER = "  GPA"   # `watch VM`: the header begins so ...
WATCH_HITS_COLUMN = "HITS"    # ... and names this column (else: the row's last number)
UNWATCHED = "{vm}: every watch removed"
DIRTY_STARTED = "{vm}: logging dirty pages for {secs} s"
DIRTY_SECOND = re.compile(r"^\[(\S+)\] dirty: second (\d+): (\d+) pages$")
DIRTY_TOTAL = re.compile(r"^\[(\S+)\] dirty: (\d+) s, (\d+) pages, ")
LIST_HEADER = " ID  NAME"

# A paused guest's lines already written reach the wire within 90 ms of
# its time (1 KiB at 115200 baud); this is wall time, about 2.5 times more
# in Bochs.
SETTLE_S = 1.0


class Counter:
    """A counting guest: where it keeps its counter and region, and its RAM in pages."""

    def __init__(self, vm, clone, counter_gpa, counter_size, region_gpa, region_pages, mem):
        self.vm, self.clone = vm, clone
        self.counter_gpa, self.counter_size = counter_gpa, counter_size
        self.region_gpa, self.region_pages = region_gpa, region_pages
        self.pages = mem // 4096


MEMCOUNT = Counter("memcount", "mc2", 0x300000, 8, 0x200000, 256, 4 << 20)
RMCOUNT = Counter("rmcount", "rc2", 0x9000, 4, 0x20000, 64, 1 << 20)

WATCHME_V = 0x300010
WATCHME_TICK_S = 0.1
# pagetouch writes 1000 region pages in every second of its TSC and one page
# of its own (stack, line buffer, a counter stored with each page) besides.
PAGETOUCH_RATE = 1000
PAGETOUCH_EXTRA = 1
DIRTY_SECONDS = 3


@pytest.fixture(scope="module")
def iso():
    return build_iso("timeout=600000", MODULES, name="memory")


# --- the session and the monitor -------------------------------------------

def start(iso, name):
    s = BochsSession(iso, name=f"memory-{name}")
    s.wait_for(PROMPT)
    return s


def finish(s):
    """Power off (if Bochs still runs) and keep the serial log."""
    try:
        s.send("poweroff\r")
    except OSError:
        pass
    s.close()


def pump_until(s, done, timeout, what):
    """Read Bochs's output until done() holds; BochsSession only waits for strings."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = done()
        if got:
            return got
        if not s._pump():
            break
    s.fail(f"timed out waiting for {what}")


def pump_for(s, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end and s._pump():
        pass


def lines_of(text):
    """The whole lines of text, each without the prompt the monitor erased
    before it (CR ESC[K: the CR is gone from BochsSession's text)."""
    whole = text[:text.rfind("\n") + 1] if "\n" in text else ""
    return [l.rsplit("\x1b[K", 1)[-1] for l in whole.split("\n")[:-1]]


def ask(s, line, timeout=60):
    """Type a command line; returns (answer, end): the answer is the text
    between the echoed line and the next prompt (a command answers at once,
    with nothing in between), end its offset in s.text."""
    start = max(0, len(s.text) - len(PROMPT))  # the prompt is out already
    s.send(line + "\r")
    begin = s.wait_for(PROMPT + line + "\n", timeout=timeout, start=start)
    end = s.wait_for(PROMPT, timeout=timeout, start=begin) - len(PROMPT)
    return s.text[begin:end], end


def expect(s, line, answer, want):
    if want not in answer:
        s.fail(f"{line}: expected {want!r}, the answer was {answer!r}")


def answer_match(s, line, answer, pattern):
    for l in lines_of(answer):
        m = pattern.match(l)
        if m:
            return m
    s.fail(f"{line}: no line of the form {pattern.pattern!r} in the answer {answer!r}")


def pause(s, vm):
    answer, _ = ask(s, f"pause {vm}")
    expect(s, f"pause {vm}", answer, PAUSED.format(vm=vm))


def resume(s, vm):
    answer, end = ask(s, f"resume {vm}")
    expect(s, f"resume {vm}", answer, RESUMED.format(vm=vm))
    return end


def read_mem(s, vm, gpa, size):
    """A little-endian number of size bytes at gpa, read with `mem`."""
    answer, _ = ask(s, f"mem {vm} {gpa:#x} {size}")
    m = re.search(rf"^{gpa:016x}((?: +[0-9a-f]{{2}})+) +\|", answer, re.M)
    if not m:
        s.fail(f"mem {vm} {gpa:#x} {size}: no dump line in {answer!r}")
    return int.from_bytes(bytes(int(b, 16) for b in m.group(1).split()[:size]), "little")


def table_value(s, line, answer, column, is_row, what):
    """In a table answer: the value under column (named in the header) in the
    row for which is_row(words) holds; the row's last number if the header
    does not name the column or the row has other words than the header."""
    rows = [l for l in lines_of(answer) if not l.startswith("[")]
    header = next((l for l in rows if column in l.split()), None)
    row = next((l for l in rows if l != header and is_row(l.split())), None)
    if row is None:
        s.fail(f"{line}: no row for {what} in {answer!r}")
    words = row.split()
    if header is not None and len(header.split()) == len(words):
        return int(words[header.split().index(column)], 0)
    numbers = [w for w in words if re.fullmatch(r"\d+", w)]
    if not numbers:
        s.fail(f"{line}: no {column} in the row {row!r}")
    return int(numbers[-1])


def monitor_answers(s, *vms):
    answer, _ = ask(s, "list")
    expect(s, "list", answer, LIST_HEADER)
    for vm in vms:
        expect(s, "list", answer, vm)


# --- the counting guests ----------------------------------------------------

def counts(s, vm, start=0, end=None):
    pat = re.compile(rf"^\[{re.escape(vm)}\] count (\d+)$")
    return [int(m.group(1)) for m in map(pat.match, lines_of(s.text[start:end])) if m]


def wait_counts(s, vm, start, n, timeout=60):
    """At least n count lines of vm after offset start; returns them all."""
    return pump_until(s, lambda: len(counts(s, vm, start)) >= n and counts(s, vm, start), timeout,
                      f"{n} 'count' lines of {vm}")


def consecutive(s, what, got, first, n):
    want = list(range(first, first + n))
    if got[:n] != want:
        s.fail(f"{what}: expected the counts {first}..{first + n - 1} one by one, got {got[:n + 5]}")


def pause_settled(s, g, vm=None):
    """Pause a counting guest; returns (N, C): N its last printed count, C its
    counter in RAM. The pause falls between two exits: perhaps after it
    raised the counter to C, before the line of C went out (N = C - 1),
    else after (N = C). All lines up to C - 1 were written before C was
    stored, and written lines may still be on their way to the wire."""
    vm = vm or g.vm
    pause(s, vm)
    c = read_mem(s, vm, g.counter_gpa, g.counter_size)
    pump_until(s, lambda: counts(s, vm) and counts(s, vm)[-1] in (c - 1, c), 30,
               f"{vm}'s line of count {c - 1} or {c} (its counter in RAM is {c})")
    if counts(s, vm)[-1] == c - 1:
        pump_for(s, SETTLE_S)
    n = counts(s, vm)[-1]
    if n not in (c - 1, c):
        s.fail(f"{vm} printed count {n} after its pause, with {c} in its counter")
    return n, c


def rewind_checks(s, g):
    """Snapshot a paused counter at N; rewind it running, then paused: each
    time it prints N + 1, N + 2, ... again; its RAM is the snapshot's."""
    vm = g.vm
    wait_counts(s, vm, 0, 5)
    n, c_snap = pause_settled(s, g)
    line = f"snapshot {vm} a"
    answer, _ = ask(s, line)
    expect(s, line, answer, SNAPSHOT_TAKEN.format(vm=vm, tag="a"))
    mark = resume(s, vm)
    pump_until(s, lambda: n + 12 in counts(s, vm, mark), 60, f"{vm} counting on to {n + 12}")

    # Rewound while it runs. Lines it wrote before may still follow the
    # answer (they continue the count from before); then N + 1, N + 2, ...
    line = f"rewind {vm} a"
    answer, end = ask(s, line)
    m = answer_match(s, line, answer, REWOUND)
    restored = int(m.group(3))
    if m.group(1) != vm or m.group(2) != "a" or not 12 <= restored <= g.pages:
        s.fail(f"{line}: {m.group(0)!r}: it wrote 12 region pages and its counter since the snapshot "
               f"(and has {g.pages} pages)")
    last = counts(s, vm, mark, end)[-1]
    got = wait_counts(s, vm, end, 14)
    queued = 0
    while queued < len(got) and got[queued] == last + 1 + queued:
        queued += 1
    consecutive(s, f"after {line} (running)", got[queued:], n + 1, 10)

    # Rewound while paused: it stays paused, its RAM is as at the snapshot.
    pump_until(s, lambda: n + 12 in counts(s, vm, end), 60, f"{vm} counting on to {n + 12} again")
    pause_settled(s, g)
    answer, end = ask(s, line)
    m = answer_match(s, line, answer, REWOUND)
    if not 12 <= int(m.group(3)) <= g.pages:
        s.fail(f"{line}: {m.group(0)!r}: 12 region pages and its counter changed since the snapshot")
    pump_for(s, SETTLE_S)  # were it running, the rewound guest would print at once (its TSC is past due)
    if counts(s, vm, end):
        s.fail(f"{line} of a paused VM let it run: {counts(s, vm, end)} (it should stay paused)")
    c = read_mem(s, vm, g.counter_gpa, g.counter_size)
    if c != c_snap:
        s.fail(f"after {line}: the counter in RAM is {c}, at the snapshot it was {c_snap}")
    page = (n + 5) % g.region_pages  # written after the snapshot (count N + 5)
    before = max((v for v in range(1, c_snap + 1) if v % g.region_pages == page), default=0)
    got_page = read_mem(s, vm, g.region_gpa + page * 4096, g.counter_size)
    if got_page != before:
        s.fail(f"after {line}: region page {page} holds {got_page}, at the snapshot it held {before}")
    resumed = resume(s, vm)
    if counts(s, vm, end, resumed):
        s.fail(f"{line} of a paused VM let it run: {counts(s, vm, end, resumed)} (it should stay paused)")
    consecutive(s, f"after {line} (paused)", wait_counts(s, vm, end, 10), n + 1, 10)

    line = f"snapshots {vm}"
    answer, _ = ask(s, line)
    rewinds = table_value(s, line, answer, SNAPSHOTS_COLUMN, lambda w: w[:1] == ["a"], "tag a")
    if rewinds != 2:
        s.fail(f"{line}: tag a shows {SNAPSHOTS_COLUMN} {rewinds}, it was rewound twice: {answer!r}")


def info_pages(s, vm):
    line = f"info {vm}"
    answer, _ = ask(s, line)
    m = answer_match(s, line, answer, INFO_PAGES)
    return int(m.group(1)), int(m.group(2))


def clone_checks(s, g):
    """Clone a paused counter at N: the original and the clone both count
    N + 1, N + 2, ... on their own; the clone's private pages grow as it
    writes its region, and what one writes the other never sees."""
    vm, clone = g.vm, g.clone
    wait_counts(s, vm, len(s.text), 3)
    n, _ = pause_settled(s, g)
    line = f"clone {vm} {clone}"
    answer, end = ask(s, line)
    m = answer_match(s, line, answer, CLONED)
    if m.group(1) != vm or m.group(2) != clone:
        s.fail(f"{line}: {m.group(0)!r}")
    resume(s, vm)
    consecutive(s, f"{vm} after {line}", wait_counts(s, vm, end, 20), n + 1, 20)
    consecutive(s, f"{clone} after {line}", wait_counts(s, clone, end, 20), n + 1, 20)

    p1, s1 = info_pages(s, clone)
    mark = len(s.text)
    wait_counts(s, clone, mark, 20)  # a second of its clock: 20 more region pages written
    p2, s2 = info_pages(s, clone)
    if p1 + s1 != g.pages or p2 + s2 != g.pages or not p2 > p1 or not s2 < s1:
        s.fail(f"info {clone}: {p1} private + {s1} shared, then {p2} + {s2}: private should grow and "
               f"shared fall as it writes, always {g.pages} pages in all")

    # Apart: the clone stands still while the original counts on, and its
    # counter stays as it was: the original's stores to the same GPA are
    # the original's own.
    _, cc = pause_settled(s, g, clone)
    mark = len(s.text)
    wait_counts(s, vm, mark, 10)
    if counts(s, clone, mark):
        s.fail(f"{clone} counted while paused: {counts(s, clone, mark)}")
    if read_mem(s, clone, g.counter_gpa, g.counter_size) != cc:
        s.fail(f"{clone}'s counter moved while it was paused: {vm}'s writes reached it")
    resume(s, clone)
    for who in (vm, clone):
        got = counts(s, who, end)
        if got != list(range(n + 1, n + 1 + len(got))):
            s.fail(f"{who} skipped or repeated a count after {line}: {got}")


def test_rewind(iso):
    """memcount (long mode) rewound to a snapshot twice, running and paused."""
    s = start(iso, "rewind")
    try:
        rewind_checks(s, MEMCOUNT)
        monitor_answers(s, "memcount", "watchme", "pagetouch", "rmcount")
    finally:
        finish(s)


def test_clone(iso):
    """memcount (long mode) cloned: two counters from the same count on."""
    s = start(iso, "clone")
    try:
        clone_checks(s, MEMCOUNT)
        monitor_answers(s, "memcount", MEMCOUNT.clone)
    finally:
        finish(s)


def test_rmcount(iso):
    """Snapshot, rewind and clone of a guest in real mode."""
    s = start(iso, "rmcount")
    try:
        rewind_checks(s, RMCOUNT)
        clone_checks(s, RMCOUNT)
        monitor_answers(s, "rmcount", RMCOUNT.clone)
    finally:
        finish(s)


# --- watches ---------------------------------------------------------------

def symbol(elf, name):
    out = subprocess.run(["nm", elf], capture_output=True, text=True, check=True).stdout
    m = re.search(rf"^([0-9a-f]+) \w {re.escape(name)}$", out, re.M)
    assert m, f"no symbol {name} in {elf}"
    return int(m.group(1), 16)


def v_lines(s, start=0, end=None):
    pat = re.compile(r"^\[watchme\] V=(\d+)$")
    return [int(m.group(1)) for m in map(pat.match, lines_of(s.text[start:end])) if m]


def reports(s, start=0, end=None):
    return [m for m in map(WATCH_REPORT.match, lines_of(s.text[start:end])) if m]


def test_watch(iso):
    """A write watch on V reports each of watchme's stores to V, with the
    value stored, exactly once, and none of the stores to the neighbours on
    its page; `watch` counts the hits; after `unwatch` nothing is reported."""
    elf = os.path.join(GUESTS, "watchme.elf")
    rips = (symbol(elf, "watchme_store"), symbol(elf, "watchme_store_end"))
    s = start(iso, "watch")
    try:
        s.wait_for("[watchme] V=3\n")
        line = f"watch watchme {WATCHME_V:#x} 4 w"
        answer, since = ask(s, line)
        expect(s, line, answer, WATCHING.format(vm="watchme", lo=WATCHME_V, hi=WATCHME_V + 3, mode="w"))
        pump_until(s, lambda: len(v_lines(s, since)) >= 12, 60, "12 'V=' lines of watchme")
        pause(s, "watchme")
        pump_for(s, SETTLE_S)
        ks, got = v_lines(s, since), reports(s, since)
        for m in got:
            vm, kind, gpa, gla, rip, _ = m.groups()
            if (vm, kind, int(gpa, 16), int(gla, 16)) != ("watchme", "write", WATCHME_V, WATCHME_V) \
                    or int(rip, 16) not in rips:
                s.fail(f"a report that is not watchme's store to V at {WATCHME_V:#x} (identity-mapped, "
                       f"RIP {rips[0]:#x} or {rips[1]:#x}): {m.group(0)!r}")
        values = [int(m.group(6), 16) for m in got]
        # The first V= line after the answer may be of a store before the
        # watch; the store of the round after the last line may be reported
        # before its line went out.
        for k in ks[1:]:
            if values.count(k) != 1:
                s.fail(f"V={k}: {values.count(k)} reports with value {k:#x}, expected exactly one "
                       f"(values reported: {values})")
        extra = [v for v in values if not ks[0] <= v <= ks[-1] + 1]
        if extra or len(set(values)) != len(values):
            s.fail(f"reports of stores watchme did not make, or twice: {values} for the lines {ks}")

        line = "watch watchme"
        answer, _ = ask(s, line)
        if WATCH_LIST_HEADER not in answer:
            s.fail(f"{line}: no header beginning {WATCH_LIST_HEADER!r}: {answer!r}")
        rows = [l for l in lines_of(answer) if l.split() and l.split()[0].startswith("0x")
                and int(l.split()[0], 16) == WATCHME_V]
        if len(rows) != 1:
            s.fail(f"{line}: expected one watch at {WATCHME_V:#x}: {answer!r}")
        hits = table_value(s, line, answer, WATCH_HITS_COLUMN, lambda w: bool(w) and w[0].startswith("0x") and int(w[0], 16) == WATCHME_V,
                           f"{WATCHME_V:#x}")
        if hits != len(got):
            s.fail(f"{line}: {WATCH_HITS_COLUMN} {hits}, but {len(got)} reports were printed")

        line = "unwatch watchme"
        answer, gone = ask(s, line)
        expect(s, line, answer, UNWATCHED.format(vm="watchme"))
        resumed = resume(s, "watchme")
        pump_until(s, lambda: len(v_lines(s, resumed)) >= 5, 60, "5 'V=' lines after unwatch")
        if reports(s, gone):
            s.fail(f"reports after {line}: {[m.group(0) for m in reports(s, gone)]}")
        monitor_answers(s, "watchme")
    finally:
        finish(s)


# --- dirty-page logging ----------------------------------------------------

def dirty_run(s, line, mode):
    """One `dirty` run of pagetouch: each second's count within 1% of the
    pages it writes, the total line naming how they were found."""
    answer, since = ask(s, line)
    expect(s, line, answer, DIRTY_STARTED.format(vm="pagetouch", secs=DIRTY_SECONDS))
    total = pump_until(s, lambda: next(filter(None, map(DIRTY_TOTAL.match, lines_of(s.text[since:]))), None),
                       60, f"the '{DIRTY_TOTAL.pattern}' line")
    seconds = [m for m in map(DIRTY_SECOND.match, lines_of(s.text[since:])) if m]
    got = [(m.group(1), int(m.group(2))) for m in seconds]
    if got != [("pagetouch", i) for i in range(1, DIRTY_SECONDS + 1)]:
        s.fail(f"{line}: expected a 'dirty: second S' line of pagetouch for S = 1..{DIRTY_SECONDS}, got {got}")
    pages = [int(m.group(3)) for m in seconds]
    want = PAGETOUCH_RATE + PAGETOUCH_EXTRA
    if any(abs(p - want) > PAGETOUCH_RATE // 100 for p in pages):
        s.fail(f"{line}: dirty pages per second {pages}: expected {want} each (its {PAGETOUCH_RATE} region "
               f"pages and {PAGETOUCH_EXTRA} of its own), within 1%")
    t = int(total.group(3))
    if total.group(1) != "pagetouch" or int(total.group(2)) != DIRTY_SECONDS or not max(pages) <= t <= sum(pages):
        s.fail(f"{total.group(0)!r}: the total should lie between the most in one second and the sum {pages}")
    line_end = s.text.find("\n", s.text.find(total.group(0), since))
    if f"by {mode};" not in s.text[since:line_end]:
        s.fail(f"{line}: the total line does not say 'by {mode}': {s.text[since:line_end][-200:]!r}")


def test_dirty(iso):
    """pagetouch dirties 1000 pages in every second and one of its own:
    each second's count is within 1% of that, by the page-modification log
    where the CPU has it (the boot line says PML; it also logs the few
    pages of pagetouch's page tables its walks touch, SDM 3C 29.3.5) and by
    write protection when asked (`wp`). The other guests are paused, so
    pagetouch runs without a break (beside three busy guests it waits up to
    30 ms at a time, and a wait at a second's end moves that many pages
    into the next second)."""
    s = start(iso, "dirty")
    try:
        # Its first pass over the region (2.048 s) sets the accessed and
        # dirty bits of its page tables, which it never writes after that.
        s.wait_for("[pagetouch] touch: ")
        for _ in range(2):
            s.wait_for("[pagetouch] touch: ", start=s.text.rfind("[pagetouch] touch: ") + 1)
        for vm in ("memcount", "watchme", "rmcount"):
            pause(s, vm)
        vmx = next(l for l in lines_of(s.text) if l.startswith("kestrel: VMX on ("))
        pml = ", PML" in vmx
        dirty_run(s, f"dirty pagetouch {DIRTY_SECONDS}", "the page-modification log" if pml else "write protection")
        dirty_run(s, f"dirty pagetouch {DIRTY_SECONDS} wp", "write protection")
        monitor_answers(s, "pagetouch")
    finally:
        finish(s)


# --- limits: the rate of watch reports, host memory, a reset -----------------

WATCH_SHOWN_PER_S = 20
NOT_SHOWN = re.compile(r"^\[watchme\] watch: (\d+) hits not shown \(over 20 a second\)$")


def test_watch_rate_limit(iso):
    """A watch over V and its neighbours hits 100 times a second (10 stores
    a round): at most 20 reports a second are printed, the rest counted, and
    a line says how many were not shown; the monitor keeps answering."""
    s = start(iso, "watch-rate")
    try:
        s.wait_for("[watchme] V=3\n")
        lo, hi = WATCHME_V - 4, WATCHME_V + 11
        line = f"watch watchme {lo:#x} 16 w"
        answer, since = ask(s, line)
        expect(s, line, answer, WATCHING.format(vm="watchme", lo=lo, hi=hi, mode="w"))
        pump_until(s, lambda: len(v_lines(s, since)) >= 30, 120, "30 'V=' lines of watchme")
        pause(s, "watchme")
        pump_for(s, SETTLE_S)
        rounds = len(v_lines(s, since))
        shown = len(reports(s, since))
        held = [int(m.group(1)) for m in map(NOT_SHOWN.match, lines_of(s.text[since:])) if m]
        answer, _ = ask(s, "watch watchme")
        row = next((l.split() for l in lines_of(answer) if l.split() and l.split()[0].startswith("0x")), None)
        if not row:
            s.fail(f"watch watchme: no row in {answer!r}")
        hits, listed_shown = int(row[-2]), int(row[-1])
        # Each round is 100 ms of watchme's time and 10 stores; the first
        # round after the answer may be partly before the watch.
        if hits < 10 * (rounds - 1):
            s.fail(f"{hits} hits counted over {rounds} rounds of 10 watched stores")
        if listed_shown != shown:
            s.fail(f"watch watchme says {listed_shown} shown, {shown} report lines were printed")
        if shown > WATCH_SHOWN_PER_S * (rounds // 10 + 2):
            s.fail(f"{shown} reports printed in {rounds / 10:.1f} s of watchme's time: over 20 a second")
        if not held or sum(held) > hits - shown:
            s.fail(f"no line counting the reports held back, or more than were: {held}, {hits} hits, "
                   f"{shown} shown")
        monitor_answers(s, "watchme")
    finally:
        finish(s)


def test_rewind_after_reset(iso):
    """A snapshot survives a reset of its VM: the reset gives memcount fresh
    RAM (its snapshot keeps the pages it lacked), memcount counts from 1
    again, and a rewind brings back the snapshot's count."""
    s = start(iso, "reset")
    try:
        s.wait_for("[memcount] count 5\n")
        n, c = pause_settled(s, MEMCOUNT)
        answer, _ = ask(s, "snapshot memcount r")
        expect(s, "snapshot memcount r", answer, SNAPSHOT_TAKEN.format(vm="memcount", tag="r"))
        resume(s, "memcount")
        answer, since = ask(s, "reset memcount")
        pump_until(s, lambda: counts(s, "memcount", since)[:1] == [1], 60, "memcount counting from 1 again")
        wait_counts(s, "memcount", since, 3)
        pause(s, "memcount")
        pump_for(s, SETTLE_S)
        answer, since = ask(s, "rewind memcount r")
        answer_match(s, "rewind memcount r", answer, REWOUND)
        if read_mem(s, "memcount", MEMCOUNT.counter_gpa, 8) != c:
            s.fail(f"after the rewind memcount's counter is not the snapshot's {c}")
        resumed = resume(s, "memcount")
        consecutive(s, "memcount after the rewind", wait_counts(s, "memcount", resumed, 5), c + 1, 5)
        monitor_answers(s, "memcount")
    finally:
        finish(s)


def test_snapshot_refused_when_memory_is_short():
    """On a 64 MiB host a 40 MiB guest cannot have a snapshot (it may come to
    need a copy of all its RAM): refused with a message, nothing taken, and
    the guest keeps counting."""
    small = build_iso("timeout=600000", [("memcount.elf", "memcount mem=40M")], name="memory-short")
    s = BochsSession(small, name="memory-short", megs=64)
    try:
        s.wait_for(PROMPT)
        s.wait_for("[memcount] count 3\n")
        answer, since = ask(s, "snapshot memcount big")
        expect(s, "snapshot memcount big", answer, "memcount: not enough host memory")
        answer, _ = ask(s, "snapshots memcount")
        expect(s, "snapshots memcount", answer, "memcount: no snapshots")
        got = wait_counts(s, "memcount", since, 5)
        consecutive(s, "memcount after the refusal", got, got[0], 5)
        monitor_answers(s, "memcount")
    finally:
        finish(s)
