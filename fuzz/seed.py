#!/usr/bin/env python3
"""Write hand-made seed inputs into a fuzz test's inputs directory (src/test/resources/...Inputs/<method>/).

The HTTP fuzz tests read their input with Jazzer's FuzzedDataProvider, which takes its control values from the
END of the input: so a seed is the message followed by zero bytes ("no cuts, default flags"). Usage:
  fuzz/seed.py <inputs-dir> <name> <python-string-literal> [trailer-zero-bytes=2]
"""
import ast
import pathlib
import sys

directory, name, literal = sys.argv[1], sys.argv[2], sys.argv[3]
zeros = int(sys.argv[4]) if len(sys.argv) > 4 else 2
payload = ast.literal_eval(literal)
if isinstance(payload, str):
    payload = payload.encode("latin-1")
path = pathlib.Path(directory)
path.mkdir(parents=True, exist_ok=True)
(path / ("seed-" + name)).write_bytes(payload + b"\0" * zeros)
