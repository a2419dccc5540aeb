#!/usr/bin/env python3
"""drop-probe.sh (JIT=1) runs, counted per traffic switch: for each phase after the warm-up, the uncommon traps in
io.vigil code, and the C2 compiles and C2 methods made not entrant of the relay's hot path (Relay, Flow, BufferPool,
the kernel socket layer's selector, channel and calls). Counts, not timings: load on the machine does not move them.
usage: jit_switch_counts.py OUT [OUT...]   (one row per phase per run, then totals per run)"""
import re
import sys

HOT = re.compile(r"io\.vigil\.(session\.(Relay|Flow)|loop\.BufferPool|net\.kernel\.(KernelSelector|KernelSocketChannel|"
                 r"SocketCalls|KernelSelectionKey))\b")
COMP = re.compile(r"^\s*(\d+)\s+(\d+)\s+([%sbn!]*)\s*(\d)\s+(\S+)")
TRAP = re.compile(r"<uncommon_trap thread='\d+' reason='([^']+)' action='([^']+)'[^>]*stamp='([\d.]+)'>\s*"
                  r"<jvms bci='(\d+)' method='([^']+)'")


def phases_of(out):
    start_ms = int(re.search(r"time_ms='(\d+)'", open(f"{out}/jit.xml").read(400)).group(1))
    return [(float(t) * 1000 - start_ms, name) for _, _, name, t in (l.split() for l in open(f"{out}/phases.log"))]


def phase_at(phases, ms):
    name = "start"
    for t, n in phases:
        if ms >= t:
            name = n
    return name


def count(out):
    phases = phases_of(out)
    rows = {name: {"traps": [], "c2": 0, "ne": 0} for _, name in phases}
    for line in open(f"{out}/vigil.log", errors="replace"):
        m = COMP.match(line)
        if not m or m.group(4) != "4" or not HOT.search(m.group(5)):
            continue
        row = rows.get(phase_at(phases, int(m.group(1))))
        if row is not None:
            row["ne" if "made not entrant" in line else "c2"] += 1
    for m in TRAP.finditer(open(f"{out}/jit.xml", errors="replace").read()):
        reason, _, stamp, bci, method = m.groups()
        if method.startswith("io.vigil"):
            row = rows.get(phase_at(phases, float(stamp) * 1000))
            if row is not None:
                row["traps"].append(f"{reason} {'::'.join(method.split(' ')[:2]).replace('io.vigil.', '')}@{bci}")
    return rows


for out in sys.argv[1:]:
    rows = count(out)
    total = {"traps": 0, "c2": 0, "ne": 0}
    print(f"{out}\n  phase\ttraps\thot C2 compiles\thot C2 not entrant\ttraps (reason method@bci)")
    for name, r in rows.items():
        if name == "warmup":
            continue
        print(f"  {name}\t{len(r['traps'])}\t{r['c2']}\t{r['ne']}\t{', '.join(sorted(set(r['traps'])))}")
        total["traps"] += len(r["traps"])
        total["c2"] += r["c2"]
        total["ne"] += r["ne"]
    print(f"  after warm-up, total\t{total['traps']}\t{total['c2']}\t{total['ne']}")
