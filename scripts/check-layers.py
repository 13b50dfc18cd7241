#!/usr/bin/env python3
"""make lint: the layering of vmm/ (README, "Layout") holds.

1. Only vmm/vmx/ executes VMX instructions or touches the VMCS.
2. Each folder includes only the folders below it (LAYERS).
3. No include cycle: a .c file and its .h are one unit, and the units'
   includes form no cycle (vm.c -> vmm.h -> vm.h was one).
Prints each violation and exits 1 if there is any."""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
VMX_INSN = re.compile(r"\b(vmread|vmwrite|vmlaunch|vmresume|vmxon|vmxoff|vmclear|vmptrld|vmptrst|invept|invvpid"
                      r"|vmcall|vmfunc)\b|\bvmcs_(read|write)\w*\s*\(")
# folder -> folders (besides itself and kernel/) whose headers it may include
LAYERS = {
    "vmm/dev": set(),
    "vmm/load": set(),
    "vmm/vmx": {"vmm/load"},
    "vmm/monitor": {"vmm/event.h"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for top in ("kernel", "vmm"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith((".c", ".h", ".asm")):
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def main():
    problems = []
    graph = {}
    for path in sources():
        text = strip_comments(open(os.path.join(ROOT, path)).read())
        folder = os.path.dirname(path)
        if not path.startswith("vmm/vmx/") and path.startswith("vmm/"):
            for m in VMX_INSN.finditer(text):
                problems.append(f"{path}: '{m.group(0).strip('( ')}' outside vmm/vmx/")
        incs = INCLUDE.findall(text)
        if folder in LAYERS:
            for inc in incs:
                ok = inc.startswith("kernel/") or os.path.dirname(inc) == folder or inc in LAYERS[folder] \
                    or os.path.dirname(inc) in LAYERS[folder]
                if not ok:
                    problems.append(f"{path}: includes {inc}, above its layer")
        unit = os.path.splitext(path)[0]
        graph.setdefault(unit, set()).update(os.path.splitext(i)[0] for i in incs if os.path.splitext(i)[0] != unit)
    problems += cycles(graph)
    for p in problems:
        print(f"layers: {p}")
    return 1 if problems else 0


def cycles(graph):
    found, state = [], {}

    def visit(n, stack):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                found.append("include cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m, stack)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [])
    return found


if __name__ == "__main__":
    sys.exit(main())
