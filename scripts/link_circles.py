#!/usr/bin/env python3
"""Counts the circles between modules of a built tree.

Two graphs, both over the project's own sources (objects under BUILD/):
  * symbols: node = object file (one .c); an edge A -> B when A uses a global
    symbol that B defines (from `nm`). A circle is a strongly connected
    component of two or more objects: modules that call each other.
  * includes: node = source stem (foo.c and foo.h are "foo"); an edge A -> B
    when a file of A includes "B.h". Circles as above.
Usage: scripts/link_circles.py BUILD_DIR SOURCE_DIR
"""
import os, re, subprocess, sys
from collections import defaultdict


def scc(nodes, edges):
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1
        stack.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def current_objects(build):
    """Objects the build still compiles (a removed source leaves its stale .o)."""
    try:
        import json
        cc = json.load(open(os.path.join(build, 'compile_commands.json')))
    except OSError:
        return None
    live = set()
    for e in cc:
        out = e.get('output')
        if not out:
            m = re.search(r' -o (\S+)', e.get('command', ''))
            out = m.group(1) if m else None
        if out:
            live.add(os.path.normpath(os.path.join(e['directory'], out)))
    return live


def symbol_graph(build):
    defs, uses = {}, defaultdict(set)
    objs = []
    live = current_objects(build)
    for root, _, files in os.walk(build):
        for f in files:
            if f.endswith('.c.o') and '/tests/' not in root and 'CMakeFiles/minerlab_' in root or (f.endswith('.c.o') and '/det_' in root):
                objs.append(os.path.join(root, f))
    if live is not None:
        objs = [o for o in objs if os.path.normpath(os.path.abspath(o)) in live]
    names = {}
    for o in objs:
        name = re.sub(r'.*/CMakeFiles/[^/]+\.dir/', '', o)[:-2]
        name = os.path.relpath(os.path.dirname(o).split('/CMakeFiles/')[0], build) + '/' + name
        names[o] = name
        out = subprocess.run(['nm', '-g', o], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in 'TDBRC':
                defs.setdefault(parts[2], name)
            elif len(parts) == 2 and parts[0] == 'U':
                uses[name].add(parts[1])
    edges = defaultdict(set)
    for n, syms in uses.items():
        for s in syms:
            d = defs.get(s)
            if d and d != n:
                edges[n].add(d)
    return set(names.values()), edges


def include_graph(src):
    edges, nodes = defaultdict(set), set()
    for top in ('base', 'emulator', 'harness', 'detectors-under-test'):
        for root, _, files in os.walk(os.path.join(src, top)):
            for f in files:
                if not f.endswith(('.c', '.h')):
                    continue
                stem = os.path.join(os.path.relpath(root, src), f.rsplit('.', 1)[0])
                stem = re.sub(r"_int$", "", stem)  # foo_int.h is part of foo
                nodes.add(stem)
                for m in re.finditer(r'#include "([^"]+)\.h"',
                                     open(os.path.join(root, f), errors='replace').read()):
                    tgt = os.path.join(os.path.relpath(root, src), m.group(1))
                    ok = os.path.exists(os.path.join(src, tgt + '.h'))
                    tgt = re.sub(r"_int$", "", tgt)
                    if ok and tgt != stem:
                        edges[stem].add(tgt)
    return nodes, edges


if __name__ == '__main__':
    build, src = sys.argv[1], sys.argv[2]
    for label, (nodes, edges) in (('symbols', symbol_graph(build)),
                                  ('includes', include_graph(src))):
        circles = scc(nodes, edges)
        print(f'{label}: {len(circles)} circles over {len(nodes)} nodes')
        for c in circles:
            print('  ' + ' <-> '.join(c))
