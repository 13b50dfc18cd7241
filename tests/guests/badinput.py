#!/usr/bin/env python3
"""Images the loaders must refuse (tests/system/test_bad_input.py), made at
build time from good guests or from nothing, so no binary is committed.

    badinput.py KIND OUT [SRC]

Each KIND breaks one thing and says in its docstring which check refuses it
(vmm/load/elf.c, multiboot.c, bzimage.c)."""
import struct
import sys

PT_LOAD = 1


def elf32_loads(img):
    """(index of the program header, its offset in the file, p_offset, p_filesz) of each PT_LOAD."""
    phoff, = struct.unpack_from("<I", img, 28)
    phentsize, phnum = struct.unpack_from("<HH", img, 42)
    out = []
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, p_offset, _, _, p_filesz = struct.unpack_from("<IIIII", img, at)
        if p_type == PT_LOAD:
            out.append((i, at, p_offset, p_filesz))
    return out


def elfhead(src):
    """An ELF32 cut inside its 52-byte header: "ELF header truncated"."""
    return src[:40]


def elfcut(src):
    """An ELF32 cut half-way through its first segment's file data:
    p_offset + p_filesz runs past the end."""
    _, _, off, filesz = next(s for s in elf32_loads(src) if s[3])
    return src[:off + filesz // 2]


def elfoverlap(src):
    """pm32.elf with its second PT_LOAD (the bss) moved to start inside
    the first (the code): the two memory images overlap."""
    loads = elf32_loads(src)
    first, second = loads[0], loads[1]
    _, _, paddr = struct.unpack_from("<III", src, first[1] + 4)
    img = bytearray(src)
    struct.pack_into("<II", img, second[1] + 8, paddr + 0x100, paddr + 0x100)  # p_vaddr, p_paddr
    return bytes(img)


MB1_MAGIC = 0x1BADB002


def mb1_header(img):
    """The offset of the v1 header (first 8 KiB, 4-aligned)."""
    for off in range(0, min(len(img), 8192) - 12, 4):
        if struct.unpack_from("<I", img, off)[0] == MB1_MAGIC:
            return off
    raise SystemExit("no Multiboot header")


def mbcut(src):
    """mbinfo.bin cut to half its length, its header whole: load_end_addr
    lies past the end of the file."""
    return src[:len(src) // 2]


def mbaddr(src):
    """mbinfo.bin with load_addr above header_addr (header fields that
    contradict each other; the checksum covers only magic and flags)."""
    img = bytearray(src)
    h = mb1_header(img)
    header_addr, = struct.unpack_from("<I", img, h + 12)
    struct.pack_into("<I", img, h + 16, header_addr + 0x10)
    return bytes(img)


def mbentry(src):
    """mbinfo.bin with entry_addr past load_end_addr: not in the image."""
    img = bytearray(src)
    h = mb1_header(img)
    bss_end, = struct.unpack_from("<I", img, h + 24)
    struct.pack_into("<I", img, h + 28, bss_end + 0x1000)
    return bytes(img)


def bzimage(setup_sects, syssize, length):
    """A bzImage setup header that passes every check before the length
    ones (boot protocol 2.15, LOADED_HIGH, relocatable at 16 MiB)."""
    img = bytearray(length)
    img[0x1F1] = setup_sects
    struct.pack_into("<I", img, 0x1F4, syssize)
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x200], img[0x201] = 0xEB, 0x66  # jmp short: the header ends at 0x268
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, 0x020F)
    img[0x211] = 0x01                                    # loadflags: LOADED_HIGH
    struct.pack_into("<I", img, 0x214, 0x100000)         # code32_start
    struct.pack_into("<I", img, 0x22C, 0x7FFFFFFF)       # initrd_addr_max
    struct.pack_into("<I", img, 0x230, 0x200000)         # kernel_alignment
    img[0x234] = 1                                       # relocatable_kernel
    struct.pack_into("<I", img, 0x238, 2048)             # cmdline_size
    struct.pack_into("<Q", img, 0x258, 0x1000000)        # pref_address
    struct.pack_into("<I", img, 0x260, 0x100000)         # init_size
    return bytes(img)


def bzsetup(_):
    """setup_sects = 30 (15.5 KiB of setup) in a 4 KiB file."""
    return bzimage(30, 0x100, 4096)


def bzsys(_):
    """setup_sects = 1, syssize = 64 KiB, but only 3 KiB after the setup."""
    return bzimage(1, 0x1000, 4096)


KINDS = {f.__name__: f for f in (elfhead, elfcut, elfoverlap, mbcut, mbaddr, mbentry, bzsetup, bzsys)}


def main():
    kind, out = sys.argv[1], sys.argv[2]
    src = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else None
    data = KINDS[kind](src)
    with open(out, "wb") as fh:
        fh.write(data)


if __name__ == "__main__":
    main()
