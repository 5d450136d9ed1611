#!/usr/bin/env python3
"""Lists the longest C functions (lines from the opening to the closing brace,
both in column 0, as clang-format writes them here). Usage: DIR... [-n N]"""
import os, re, sys

args = [a for a in sys.argv[1:] if not a.startswith('-n')]
n = int(next((a[2:] for a in sys.argv[1:] if a.startswith('-n')), '5') or 5)
rows = []
for top in args:
    for root, _, files in os.walk(top):
        if '/build' in root or '/.git' in root:
            continue
        for f in files:
            if not f.endswith('.c'):
                continue
            p = os.path.join(root, f)
            lines = open(p, errors='replace').read().split('\n')
            start = None
            for i, l in enumerate(lines):
                if l == '{':
                    start = i
                elif l == '}' and start is not None:
                    j = start - 1
                    while j > 0 and '(' not in lines[j]:
                        j -= 1
                    m = re.search(r'(\w+)\s*\(', lines[j])
                    rows.append((i - j + 1, p, m.group(1) if m else '?', j + 1))
                    start = None
for r in sorted(rows, reverse=True)[:n]:
    print(f'{r[0]:5d} {r[1]}:{r[3]} {r[2]}')
