"""Issue 9, item 3: string I/O as the CPU does it.

One flat guest (tests/guests/strio.asm, docs/guests.md "strio") runs INS and
OUTS in real mode, under 32-bit paging at CPL 0 and 3, under PAE paging and
in IA-32e (compatibility) mode:
on bare Bochs, booted from a floppy with no hypervisor (the oracle: what the
emulated CPU does), and as a Kestrel guest, where every INS/OUTS exits and
Kestrel emulates it (vmm/exit/io_string.c, vmm/mem/page_walk.c). Both runs
must print exactly the lines below; each says why the SDM expects it.
"""
import os
import re

import pytest

from kestrel import GUESTS, build_iso, compare_lines, run_bare_floppy, run_bochs

MODELS = ["corei7_skylake_x", "tigerlake"]
IMAGE = os.path.join(GUESTS, "strio.bin")

PF_NOT_PRESENT_WRITE = "vector=14 error=0x0002"
WHY_INS_WRITE = ("INS writes memory: W/R=1; CPL 0 is a supervisor access (SDM 3A 4.7, figure 4-12)")
WHY_FAULT = ("CR2 takes the linear address that faulted (SDM 3A 6.15, interrupt 14); a fault leaves the "
             "instruction unexecuted, its index register not advanced (SDM 3A 6.5)")

# (line, why), in the guest's order
EXPECTED = [
    ("strio: start", "the guest's first line"),
    ("strio: real rep-insb-wrap di=0x0002 cx=0x0000 end=0x5a,0x5a start=0x5a,0x5a past=0x00,0x00",
     "with a 16-bit address size INS addresses ES:DI and DI wraps from 0xFFFF to 0 (SDM 2 'INS/INSB/INSW/INSD': "
     "DI for 16-bit addresses; SDM 1 3.7.5: offsets are 16 bits): REP INSB with CX=4 from DI=0xFFFE writes "
     "ES:FFFE, ES:FFFF, ES:0000, ES:0001 and nothing past the segment's 64 KiB; CX counts to 0, DI ends at 2"),
    (f"strio: pm32 insb-not-present {PF_NOT_PRESENT_WRITE} cr2=0x00100020 edi=0x00100020",
     f"a PTE with P=0: #PF with P=0 in the error code; {WHY_INS_WRITE}; {WHY_FAULT}"),
    (f"strio: pm32 insb-pit-not-present {PF_NOT_PRESENT_WRITE} cr2=0x00100040 first=0x34 second=0x12 after=0x34",
     "the destination is checked before the port is read (Bochs's INS probes the destination first; a fault "
     "reports the instruction as not executed, SDM 3A 6.5): the 8254's lobyte/hibyte flip-flop is untouched, so "
     "the next IN from counter 2 gives the low byte 0x34 again (counter 2 keeps 0x1234 with its gate low)"),
    ("strio: pm32 insb-read-only-wp0 vector=none byte=0x5a",
     "with CR0.WP=0 a supervisor-mode write may go to a read-only page (SDM 3A 4.6.1)"),
    ("strio: pm32 insb-read-only-wp1 vector=14 error=0x0003 cr2=0x00101020 byte=0x00",
     "with CR0.WP=1 a supervisor-mode write needs R/W=1: #PF, P=1 (a protection violation) and W/R=1 "
     f"(SDM 3A 4.6.1, 4.7); nothing written; {WHY_FAULT}"),
    ("strio: pm32 ring3-insb-supervisor vector=14 error=0x0007 cr2=0x00102020 byte=0x00",
     "IOPL=3 lets CPL 3 do port I/O (SDM 1 19.5.1); data accesses at CPL 3 are user-mode accesses, which a page "
     "with U/S=0 refuses: #PF with P, W/R and U/S set (SDM 3A 4.6, 4.7)"),
    ("strio: pm32 ring3-insb-user vector=none byte=0x5a",
     "a page with U/S=1 and R/W=1 at every level takes user-mode writes (SDM 3A 4.6.1)"),
    (f"strio: pm32 rep-insb-cross {PF_NOT_PRESENT_WRITE} cr2=0x00106000 ecx=0x00000004 edi=0x00106000 "
     "written=0x04",
     "REP INSB with ECX=8 from EDI=0x105FFC: the four bytes before the not-present page are written, the fifth "
     "faults, and ECX/EDI count the elements done so that the instruction restarts there (SDM 2 'REP/REPE/REPZ/"
     "REPNE/REPNZ': registers are updated per iteration and a fault comes between iterations; SDM 3A 6.5)"),
    (f"strio: pm32 rep-insb-down {PF_NOT_PRESENT_WRITE} cr2=0x00106fff ecx=0x00000004 edi=0x00106fff "
     "written=0x04",
     "with DF=1 EDI steps down (SDM 2 'INS/INSB/INSW/INSD'): from 0x107003 four bytes land, the fifth at "
     "0x106FFF is on the not-present page below; ECX and EDI count the four, CR2 is 0x106FFF"),
    (f"strio: pm32 insw-split-not-present {PF_NOT_PRESENT_WRITE} cr2=0x00108000 edi=0x00107fff byte=0x00",
     "INSW at the last byte of a page puts its second byte on the next page, which is translated too; that "
     "page is not present, so #PF with CR2 = the address of the byte that faulted, 0x108000, not the "
     "operand's start (Bochs's answer; SDM 3A 4.7 leaves it to the linear address that faulted), and neither "
     "byte is written"),
    ("strio: pm32 insw-split-remap vector=none low=0xff high=0xff next-frame=0x00",
     "each linear page is translated on its own (SDM 3A 4.1): the second byte of a word at 0x109FFF goes to "
     "linear 0x10A000, which maps frame 0x10C000, not to the frame after 0x109000's; a port nothing decodes "
     "reads all ones"),
    ("strio: pm32 insb-accessed-dirty vector=none a=1 d=1",
     "a write through a PTE sets its accessed and dirty flags (SDM 3A 4.8)"),
    ("strio: pm32 outsb-accessed vector=none a=1 d=0",
     "OUTS reads memory: accessed set, dirty only on writes (SDM 3A 4.8)"),
    ("strio: pm32 outsb-not-present vector=14 error=0x0000 cr2=0x00100030 esi=0x00100030 imr=0x5a",
     f"OUTS reads its source: #PF with W/R=0 for a not-present page (SDM 3A 4.7); {WHY_FAULT}; the port is not "
     "written, the IMR keeps 0x5a"),
    (f"strio: pae insb-not-present {PF_NOT_PRESENT_WRITE} cr2=0x00200040 edi=0x00200040",
     "PAE paging, the PDPTEs from the registers MOV CR0 loaded (SDM 3A 4.4.1): a PTE with P=0 is #PF with P=0 "
     f"(SDM 3A 4.4.2, 4.7); {WHY_INS_WRITE}; {WHY_FAULT}"),
    ("strio: pae insb-reserved-bit vector=14 error=0x000b cr2=0x00400040 edi=0x00400040",
     "a present PDE mapping a 2 MiB page has reserved bits 20:13 (SDM 3A 4.4.2, table 4-9): bit 13 set is #PF "
     f"with P=1 and RSVD=1, and W/R=1 for the INS write (SDM 3A 4.7); {WHY_FAULT}"),
    ("strio: pae insb-stale-pdpte vector=none byte=0x5a",
     "PAE paging translates through the four PDPTE registers, loaded from memory only at MOV CR3 and at MOV "
     "CR0/CR4 changes of paging bits (SDM 3A 4.4.1): clearing the PDPTE in memory alone changes nothing"),
    (f"strio: long insb-not-present {PF_NOT_PRESENT_WRITE} cr2=0x00200080 edi=0x00200080",
     "IA-32e mode (compatibility mode: 32-bit addresses, 4-level paging, SDM 3A 4.5): a PTE with P=0 is #PF "
     f"with P=0 (SDM 3A 4.7); {WHY_INS_WRITE}; {WHY_FAULT}"),
    ("strio: long insb-present vector=none byte=0x5a",
     "4-level paging through PML4E, PDPTE and a 2 MiB PDE (SDM 3A 4.5.4): the byte lands"),
    ("strio: done", "the guest's last line"),
]


@pytest.mark.parametrize("model", MODELS)
def test_strio_on_bare_bochs(model):
    run = run_bare_floppy(IMAGE, f"strio-bare-{model}", model)
    compare_lines(run, run.lines("strio: "), EXPECTED, f"bare Bochs ({model})")
    if "Shutdown port: shutdown requested" not in run.log:
        run.fail("bare Bochs did not power off through port 0x8900")


@pytest.fixture(scope="module")
def iso():
    return build_iso("nomonitor timeout=60000", [("strio.bin", "strio")], name="strio")


GUEST_LINE = re.compile(r"\[strio\] (strio: [^\n]*)")


@pytest.mark.parametrize("model", MODELS)
def test_strio_under_kestrel(model, iso):
    run = run_bochs(iso, model=model, name=f"strio-kestrel-{model}")
    compare_lines(run, GUEST_LINE.findall(run.serial), EXPECTED, f"Kestrel ({model})")
    run.expect("[strio] *** stopped: guest wrote 0 to port 0xF4, exit code 0")
    summary = run.summary("strio")
    if summary["state"] != "stopped" or summary["exit_code"] != "0":
        run.fail(f"strio did not end with exit code 0: {summary}")
    run.expect_not("PANIC", "host exception", "VMENTER FAIL")
