"""Density (issue 11): 64 guests of 64 KiB each run at once in a 128 MiB
machine, each costing the host at most 48 KiB beyond its RAM; a RAM that is
no 2 MiB multiple is mapped to its last byte and no further.

The host prints, for every VM it creates,
  memory: vm NAME ram=BYTES host_bytes=BYTES host_pages=N static=BYTES
(host_bytes = host_pages * 4096 + static: the pages the allocator handed out
for it besides its RAM, and its share of the static memory), then once
  memory: N guests ram=BYTES host_bytes=BYTES host_bytes_max=BYTES host_free=BYTES
The figures of every run are appended to build/system/density.txt.
"""
import os
import re

from kestrel import OUT, build_iso, run_bochs

GUESTS = 64          # VM_MAX
MEGS = 128           # the Bochs machine's RAM
HOST_BYTES_MAX = 48 << 10
VM_LINE = re.compile(r"^memory: vm (\S+) ram=(\d+) host_bytes=(\d+) host_pages=(\d+) static=(\d+)$", re.M)
ALL_LINE = re.compile(r"^memory: (\d+) guests ram=(\d+) host_bytes=(\d+) host_bytes_max=(\d+) host_free=(\d+)$",
                      re.M)


def summary_field(run, vm, key):
    for line in run.lines(f"summary: {vm} "):
        m = re.search(rf" {key}=(\d+)", line)
        if m:
            return int(m.group(1))
    run.fail(f"no {key}= in the summary line of {vm}")


def record(text):
    with open(os.path.join(OUT, "density.txt"), "a") as fh:
        fh.write(text + "\n")


def test_64_guests_of_64k_in_128m():
    names = [f"g{i:02d}" for i in range(GUESTS)]
    mods = [("spin.bin", "small mem=60K"), ("spin.bin", "odd mem=65K")]
    mods += [("spin.bin", f"{n} mem=64K") for n in names]
    mods += [("spin.bin", "extra mem=64K")]
    iso = build_iso("nomonitor timeout=3000", mods, name="density")
    run = run_bochs(iso, name="density", megs=MEGS, timeout=240)
    run.expect_not("PANIC", "host exception")
    run.expect("kestrel: module 0 'small mem=60K': mem size '60K' is under 64K, the least guest RAM; skipped",
               "kestrel: module 1 'odd mem=65K': mem size '65K' is not a multiple of 4 KiB; skipped",
               f"kestrel: module {GUESTS + 2} 'extra mem=64K': too many guests (at most {GUESTS}); skipped",
               f"kestrel: running {GUESTS} guests", f"kestrel: summary of {GUESTS} VMs")
    costs = {m.group(1): m for m in VM_LINE.finditer(run.serial)}
    if sorted(costs) != names:
        run.fail(f"expected a memory line for each of {GUESTS} guests, got {sorted(costs)}")
    for n in names:
        ram, host, pages, static = (int(costs[n].group(i)) for i in range(2, 6))
        if ram != 64 << 10 or host != pages * 4096 + static:
            run.fail(f"{n}: memory line {costs[n].group(0)!r} does not add up")
        if host > HOST_BYTES_MAX:
            run.fail(f"{n} costs the host {host} bytes beyond its RAM, more than {HOST_BYTES_MAX}")
        if f"[{n}] spinning" not in run.lines(f"[{n}] "):
            run.fail(f"{n} printed nothing")
        s = run.summary(n)
        if s["state"] != "running" or s["cpu"] <= 0:
            run.fail(f"{n}: state {s['state']}, cpu {s['cpu']}%: it did not run to the end")
        if summary_field(run, n, "slices") < 2:
            run.fail(f"{n} had the CPU only once: the guests did not take turns")
    m = ALL_LINE.search(run.serial)
    if not m or int(m.group(1)) != GUESTS or int(m.group(2)) != GUESTS << 16:
        run.fail("no 'memory: 64 guests ram=4194304 ...' line")
    host, most, free = int(m.group(3)), int(m.group(4)), int(m.group(5))
    per_guest = most + (64 << 10)
    record(f"{GUESTS} guests of 64 KiB in {MEGS} MiB: {most} host bytes each beyond RAM "
           f"({host} in all), {free} bytes free: room for {free // per_guest} more of them "
           f"(each {per_guest} bytes with its RAM) but for VM_MAX")


def test_ram_that_is_no_2m_multiple_ends_at_its_last_byte():
    """edge (mem=100K) reads its RAM's size from the BIOS data area, writes
    its last byte, then reads the byte after it: an EPT violation at
    0x19000, within the 2 MiB that holds its RAM, stops it and only it."""
    iso = build_iso("nomonitor timeout=1000", [("edge.bin", "edge mem=100K"), ("spin.bin", "beside mem=64K")],
                    name="density-edge")
    run = run_bochs(iso, name="density-edge", megs=MEGS)
    run.expect_not("PANIC", "host exception", "[edge] edge: read beyond RAM returned")
    run.expect("[edge] edge: ram ends at 0x19000", "[edge] edge: last byte ok, reading the next")
    s = run.summary("edge")
    if s["state"] != "crashed" or "EPT violation" not in s["reason"]:
        run.fail(f"edge: state {s['state']} ({s['reason']}), expected an EPT violation")
    if "guest-physical 0x19000 (outside its 100 KiB of RAM)" not in s["reason"]:
        run.fail(f"the EPT violation report does not name GPA 0x19000 and 100 KiB: {s['reason']}")
    beside = run.summary("beside")
    if beside["state"] != "running" or beside["cpu"] <= 0:
        run.fail(f"beside: state {beside['state']}, cpu {beside['cpu']}%: the crash took its neighbour down")
