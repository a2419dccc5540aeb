#!/usr/bin/env python3
"""Exact allocation per connection from a recording taken with -XX:-UseTLAB (every allocation outside a TLAB, so
every one is a jdk.ObjectAllocationOutsideTLAB event, none sampled away): bytes and objects per connection by class
and by site (the allocating class under its first three io.vigil frames), for one thread.
  jfr print --events jdk.ObjectAllocationOutsideTLAB --stack-depth 12 rec.jfr > rec.txt
  alloc_sites.py rec.txt CONNECTIONS [THREAD=vigil-loop-0]
Escape analysis still applies: what C2 scalar-replaces is not allocated and not counted, as in production."""
import collections
import re
import sys

UNITS = {'bytes': 1, 'kB': 1024, 'MB': 1 << 20}


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    thread = sys.argv[3] if len(sys.argv) > 3 else 'vigil-loop-0'
    by_class, objects_class = collections.Counter(), collections.Counter()
    by_site, objects_site = collections.Counter(), collections.Counter()
    event = None
    for line in open(path):
        s = line.strip()
        if s.startswith('jdk.ObjectAllocationOutsideTLAB'):
            event = {'frames': []}
        elif event is None:
            continue
        elif s.startswith('objectClass'):
            event['class'] = s.split('=', 1)[1].split(' (')[0].strip()
        elif s.startswith('allocationSize'):
            value, unit = s.split('=', 1)[1].split()
            event['size'] = int(float(value.replace(',', '')) * UNITS[unit])
        elif s.startswith('eventThread'):
            event['thread'] = s.split('"')[1]
        elif s == '}':
            if event.get('thread') == thread:
                vigil = [f for f in event['frames'] if f.startswith('io.vigil')][:3]
                site = (event['class'], ' < '.join(vigil) if vigil else (event['frames'] or ['?'])[0])
                by_class[event['class']] += event['size']
                objects_class[event['class']] += 1
                by_site[site] += event['size']
                objects_site[site] += 1
            event = None
        elif s not in (']', '...') and not s.startswith('stackTrace') and not s.startswith('startTime'):
            event['frames'].append(re.sub(r' line: \d+', '', s))
    print(f"{thread}: {sum(by_class.values()) / n:.0f} bytes and {sum(objects_class.values()) / n:.2f} objects per "
          f"connection over {n} connections")
    print("-- by class: bytes/conn objects/conn")
    for name, size in by_class.most_common(40):
        print(f"{size / n:8.1f} {objects_class[name] / n:6.2f}  {name}")
    print("-- by site: bytes/conn objects/conn  class @ first io.vigil frames")
    for site, size in by_site.most_common(60):
        if size / n >= 0.5:
            print(f"{size / n:8.1f} {objects_site[site] / n:6.2f}  {site[0]} @ {site[1]}")


if __name__ == '__main__':
    main()
