#!/usr/bin/env python3
"""Fails when a file under src/ includes a header of a layer above its own.

The layers and their order are DURE_LAYERS in CMakeLists.txt (DESIGN.md's
table): a layer may include its own headers and those of the layers before
it. The link order catches upward calls, not upward types, macros or inline
functions; this catches those. Usage: check-layers.py [REPO-ROOT]"""

import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
cmake = open(os.path.join(root, "CMakeLists.txt")).read()
m = re.search(r"set\(DURE_LAYERS([^)]*)\)", cmake)
if not m:
    sys.exit("check-layers: DURE_LAYERS not found in CMakeLists.txt")
order = {name: i for i, name in enumerate(m.group(1).split())}

bad = []
checked = 0
src = os.path.join(root, "src")
for layer in sorted(os.listdir(src)):
    if layer not in order:
        bad.append("src/%s/: not a layer of DURE_LAYERS" % layer)
        continue
    for dirpath, _, files in os.walk(os.path.join(src, layer)):
        for f in sorted(files):
            if not f.endswith((".c", ".h", ".inc")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            for n, line in enumerate(open(path, encoding="utf-8"), 1):
                inc = re.match(r'\s*#\s*include\s+"([^"/]+)/', line)
                if not inc:
                    continue
                checked += 1
                dep = inc.group(1)
                if dep not in order:
                    bad.append("%s:%d: includes a header of unknown layer '%s'" % (rel, n, dep))
                elif order[dep] > order[layer]:
                    bad.append("%s:%d: layer '%s' includes '%s', a layer above it" %
                               (rel, n, layer, dep))
for b in bad:
    print(b)
print("check-layers: %d includes checked, %d upward" % (checked, len(bad)))
sys.exit(1 if bad else 0)
