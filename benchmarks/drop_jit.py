#!/usr/bin/env python3
"""drop-probe.sh's JIT events by phase: io.vigil methods compiled by C2 (level 4) and made not entrant, and the
uncommon traps (reason, action, method@bci) from -XX:+LogCompilation's jit.xml.
usage: drop_jit.py OUT [FILTER] (FILTER: substring of the method names shown, default io.vigil)"""
import re
import sys
from collections import Counter, defaultdict

out = sys.argv[1]
flt = sys.argv[2] if len(sys.argv) > 2 else "io.vigil"
start_ms = int(re.search(r"time_ms='(\d+)'", open(f"{out}/jit.xml").read(400)).group(1))
phases = []
for line in open(f"{out}/phases.log"):
    _, _, name, t = line.split()
    phases.append((float(t) * 1000 - start_ms, name))


def phase_of(ms):
    name = "start"
    for t, n in phases:
        if ms >= t:
            name = n
    return name


comp = re.compile(r"^\s*(\d+)\s+(\d+)\s+([%sbn!]*)\s*(\d)\s+(\S+)")
events = defaultdict(list)
for line in open(f"{out}/vigil.log", errors="replace"):
    m = comp.match(line)
    if not m or flt not in m.group(5):
        continue
    ms, level, method = int(m.group(1)), m.group(4), m.group(5)
    kind = "not-entrant" if "made not entrant" in line else ("osr" if "%" in m.group(3) else "compile")
    events[phase_of(ms)].append((kind, level, method))
traps = defaultdict(Counter)
xml = open(f"{out}/jit.xml", errors="replace").read()
for m in re.finditer(r"<uncommon_trap thread='\d+' reason='([^']+)' action='([^']+)'[^>]*stamp='([\d.]+)'>\s*"
                     r"<jvms bci='(\d+)' method='([^']+)'", xml):
    reason, action, stamp, bci, method = m.groups()
    if flt in method.replace("/", "."):
        traps[phase_of(float(stamp) * 1000)][f"{reason}/{action} {'::'.join(method.split(' ')[:2])}@{bci}"] += 1
for _, name in [(0, "start")] + phases:
    ev = events.get(name, [])
    c2 = sorted({meth for k, lv, meth in ev if k == "compile" and lv == "4"})
    ne = sorted({meth for k, lv, meth in ev if k == "not-entrant" and lv == "4"})
    print(f"== {name}: {len(ev)} events; C2 compiles {len(c2)}, C2 made not entrant {len(ne)}")
    for meth in ne:
        print(f"   not entrant (C2): {meth}")
    for meth in c2:
        print(f"   C2 compile: {meth}")
    for t, n in traps.get(name, Counter()).most_common(15):
        print(f"   trap x{n}: {t}")
