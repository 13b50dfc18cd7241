"""make bench, "memory": what the EPT features cost (docs/memory.md), measured
through the monitor in one Bochs session: a snapshot of an 8 MiB guest, a
rewind as a constant plus a cost per page, a copy-on-write fault, a watch's
stepped access, a dirty-logged page, and beside them a copy of 8 MiB of RAM
made by a guest (ramcopy) in the same run. All in host instructions: the
snapshot and rewind answers give the host TSC ticks they took, `exits VM`
the ticks from each exit to the next entry."""
import re
import time

from kestrel import BochsSession, build_iso

PROMPT = "kestrel> "
INSTR = "host instructions"
TAKEN = re.compile(r"(\S+): snapshot \S+ taken \((\d+) EPT entries write-protected, (\d+) bytes, (\d+) host ticks\)")
REWOUND = re.compile(r"(\S+): rewound to \S+ \((\d+) pages restored, (\d+) host ticks\)")
EXIT_ROW = re.compile(r"^  ([A-Z_0-9]+) +(\d+) +(\d+) +(\d+\.\d\d) +(\d+) +(\d+)$", re.M)
COPY = re.compile(r"\[ramcopy\] bench: copy (\d+)")
DIRTY_END = re.compile(r"\[pt\] dirty: \d+ s, (\d+) pages, .*\((\d+) of its (\d+) CPU ticks\)")
MODULES = [("memcount.elf", "mc mem=8M"), ("watchme.elf", "watchme mem=4M"), ("pagetouch.elf", "pt mem=16M"),
           ("ramcopy.elf", "ramcopy mem=16M")]


def ask(s, line, pattern, needle=None):
    """Type line; wait for needle (a fixed part of the answer), or for the
    echo of the line and the prompt after it; match pattern from there.
    Guest lines may come in between."""
    start = len(s.text)
    s.send(line + "\r")
    if needle:
        end = s.wait_for("\n", timeout=120, start=s.wait_for(needle, timeout=120, start=start))
    else:
        end = s.wait_for(PROMPT, timeout=120, start=s.wait_for(line + "\n", timeout=120, start=start))
    m = pattern.search(s.text[start:end]) if pattern else None
    if pattern and not m:
        s.fail(f"{line}: unexpected answer {s.text[start:end]!r}")
    return m, s.text[start:end]


def exits(s, vm):
    """{reason: (count, ticks)} of `exits VM`."""
    _, text = ask(s, f"exits {vm}", None, "\n  total ")
    return {m.group(1): (int(m.group(3)), int(m.group(5))) for m in EXIT_ROW.finditer(text)}


def counts(s, vm, n):
    """Wait for n more `count` lines of vm."""
    start = len(s.text)
    for _ in range(n):
        start = s.wait_for(f"[{vm}] count ", timeout=120, start=start) + 1


def memory(t):
    iso = build_iso("timeout=900000", MODULES, name="bench-memory")
    s = BochsSession(iso, name="bench-memory")
    try:
        measure(t, s)
    finally:
        s.close()


def measure(t, s):
    s.wait_for(PROMPT, timeout=120)
    s.wait_for("\n", timeout=120, start=s.wait_for("[ramcopy] bench: copy", timeout=120))
    copy = COPY.search(s.text)
    counts(s, "mc", 3)
    taken, _ = ask(s, "snapshot mc a", TAKEN, "host ticks)")
    t.add("snapshot", "Snapshot of an 8 MiB guest (EPT entries it write-protects)", int(taken.group(4)),
          "~ entries", "-", f"{INSTR} ({taken.group(2)} entries)")
    if copy:
        t.add("ramcopy", "A copy of 8 MiB of RAM, by a guest in the same run (REP MOVSQ)", int(copy.group(1)), "-",
              "-", INSTR)
    r0, _ = ask(s, "rewind mc a", REWOUND, "host ticks)")
    counts(s, "mc", 40)
    r1, _ = ask(s, "rewind mc a", REWOUND, "host ticks)")
    (p0, k0), (p1, k1) = (int(r0.group(2)), int(r0.group(3))), (int(r1.group(2)), int(r1.group(3)))
    per = (k1 - k0) / (p1 - p0) if p1 != p0 else None
    base = k0 - per * p0 if per is not None else None
    t.add("rewind_base", "Rewind: constant part", base and round(base), "<= 5000", "-", INSTR)
    t.add("rewind_page", "Rewind: per page written since", per and round(per), "<= 1200", "-", INSTR)
    t.note(f"Rewind: {p0} pages in {k0}, {p1} pages in {k1} host instructions (a straight line through both).")
    ask(s, "exits mc reset", None, "exit counters cleared")
    ask(s, "clone mc mc2", None, "cloned as mc2")
    counts(s, "mc", 20)
    e = exits(s, "mc").get("EPT_VIOLATION")
    t.add("cow", "Copy-on-write fault: exit, 4 KiB copy, entry", e and e[1] // e[0], "<= 1500", "-",
          f"{INSTR} ({e and e[0]} faults)")
    ask(s, "stop mc2", None, "mc2: stopped")
    ask(s, "watch watchme 0x300010 4 w", None, "watching 0x300010")
    ask(s, "exits watchme reset", None, "exit counters cleared")
    start = len(s.text)
    for _ in range(10):
        start = s.wait_for("[watchme] V=", timeout=120, start=start) + 1
    w = exits(s, "watchme")
    ept, db = w.get("EPT_VIOLATION", (0, 0)), w.get("EXCEPTION_OR_NMI", (0, 0))
    per_step = (ept[1] + db[1]) // ept[0] if ept[0] else None
    t.add("watch", "Watched-page access: EPT violation, single step (#DB), report", per_step, "-", "-",
          f"{INSTR} ({ept[0]} steps)")
    ask(s, "unwatch watchme", None, "every watch removed")
    ask(s, "pause mc", None, "mc: paused")
    ask(s, "pause watchme", None, "watchme: paused")
    for key, mode, line in (("dirty_pml", "the page-modification log", "dirty pt 2"),
                            ("dirty_wp", "write protection", "dirty pt 2 wp")):
        _, answer = ask(s, line, None, "logging dirty pages")
        start = len(s.text)
        s.wait_for("\n", timeout=120, start=s.wait_for("[pt] dirty: 2 s, ", timeout=120, start=start))
        m = DIRTY_END.search(s.text, start)
        if m and f"by {mode};" in m.group(0):
            pages, cost, cpu = (int(x) for x in m.groups())
            t.add(key, f"Dirty logging by {mode}, per dirtied page", cost // max(pages, 1), "-", "-",
                  f"{INSTR} ({pages} pages in 2 s, {cost * 100 / cpu:.2f}% of its time)")
        elif m:
            t.note(f"Dirty logging: `{line}` did not log by {mode}: {m.group(0)}")
        else:
            t.missing(f"dirty logging by {mode}", None)
    time.sleep(0.1)
