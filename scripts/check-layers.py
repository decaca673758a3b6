#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fail on import circles and on layer violations in kmod/ and userspace.

A module is a pair x.c + x.h.  Module A calls module B when A's object
file uses a function or variable that B's object file defines (read with
nm, so a call through a header that only declares it still counts, and a
header's inline functions count for the file that uses them); A uses B
when it calls B or when A's .c or .h includes B's header.  The check
fails on:

  - a circle: two or more modules that call each other, directly or
    through others (a strongly connected component of more than one).
    Includes alone make no circle: a feature split over several files
    shares one header for its struct (gate/gate.h), which is an interface,
    not a call into gate.c;
  - a layer rule broken in podvsd, on "uses": a folder may use only the
    folders below it (LAYERS), and only daemon.c and main.c may include
    daemon.h.

Objects must be built first (make kmod userspace).  Usage:
  scripts/check-layers.py [--verbose]
Tests (*_test.c) are not part of the product and are left out.
"""
import os
import re
import subprocess
import sys
from collections import defaultdict

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# podvsd: each folder may use the ones listed (and itself).  The top level
# ("") wires everything together.
LAYERS = {
    'base': set(),
    'k8s': {'base'},
    'sync': {'base', 'k8s'},
    'node': {'base', 'k8s'},
    'gate': {'base', 'k8s', 'sync', 'node'},
    'webhook': {'base', 'k8s', 'sync'},
    '': {'base', 'k8s', 'sync', 'node', 'gate', 'webhook'},
}


def sources(root, recurse):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(('.c', '.h')) and not f.endswith(
                    ('_test.c', '_test.h', '.mod.c')) and f != 'podvs_test.c':
                out.append(os.path.join(dirpath, f))
        if not recurse:
            break
    return out


def module_of(path, root):
    rel = os.path.relpath(path, root)
    return os.path.splitext(rel)[0]


def include_edges(files, root, search):
    """Edges module -> module from #include lines resolved in search dirs."""
    edges = defaultdict(set)
    known = {os.path.realpath(f) for f in files}
    for f in files:
        src = open(f, errors='replace').read()
        for inc in INCLUDE.findall(src):
            for d in [os.path.dirname(f)] + search:
                cand = os.path.realpath(os.path.join(d, inc))
                if cand in known:
                    a, b = module_of(f, root), module_of(cand, root)
                    if a != b:
                        edges[a].add(b)
                    break
    return edges


def nm(obj):
    res = subprocess.run(['nm', obj], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in res.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == 'U':
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in 'TDBRGSVW':
            defined.add(parts[2])
    return defined, undefined


def symbol_edges(objs, root):
    owner, uses = {}, {}
    for o in objs:
        m = module_of(o, root)
        d, u = nm(o)
        for s in d:
            owner[s] = m
        uses[m] = u
    edges = defaultdict(set)
    for m, u in uses.items():
        for s in u:
            if s in owner and owner[s] != m:
                edges[m].add(owner[s])
    return edges


def sccs(nodes, edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def objects(objdir, recurse, skip):
    """Product objects under objdir: no tests, no link products."""
    out = []
    for dirpath, _, files in os.walk(objdir):
        out += [os.path.join(dirpath, f) for f in files
                if f.endswith('.o') and f not in skip
                and not f.endswith(('_test.o', '.mod.o'))]
        if not recurse:
            break
    return out


def check_part(name, root, objroot, objs, search, verbose):
    """Circles among the modules of one program; returns (count, edges)."""
    if not objs:
        print(f'{name}: no objects under {objroot}: build first',
              file=sys.stderr)
        return 1, {}
    files = sources(root, objroot != root)
    calls = symbol_edges(objs, objroot)
    edges = include_edges(files, root, search)
    for a, bs in calls.items():
        edges[a] |= bs
    nodes = {module_of(f, root) for f in files}
    bad = 0
    for comp in sccs(nodes, calls):
        if len(comp) > 1:
            print(f'{name}: import circle: {" <-> ".join(comp)}')
            bad += 1
    if verbose:
        for a in sorted(edges):
            print(f'{name}: {a} -> {", ".join(sorted(edges[a]))}')
    print(f'{name}: {len(nodes)} modules, '
          f'{sum(len(v) for v in calls.values())} call edges, '
          f'{sum(len(v) for v in edges.values())} use edges, {bad} circles')
    return bad, edges


def layer_of(mod):
    return mod.split('/')[0] if '/' in mod else ''


def check_podvsd_layers(edges):
    bad = 0
    for a, bs in sorted(edges.items()):
        for b in sorted(bs):
            if b == 'daemon' and a not in ('daemon', 'main'):
                print(f'podvsd: {a} uses daemon.h (only daemon.c and main.c '
                      'may: a feature gets its own struct and hooks)')
                bad += 1
            la, lb = layer_of(a), layer_of(b)
            if la != lb and lb not in LAYERS.get(la, set()):
                print(f'podvsd: layer rule: {a} ({la or "top"}) uses {b} '
                      f'({lb or "top"})')
                bad += 1
    return bad


def main():
    verbose = '--verbose' in sys.argv
    bad = 0
    kroot = os.path.join(TOP, 'kmod')
    n, _ = check_part('kmod', kroot, kroot,
                      objects(kroot, False, {'podvs.o', 'podvs_test.o'}),
                      [os.path.join(TOP, 'include')], verbose)
    bad += n
    user = os.path.join(TOP, 'netlink-daemon')
    objdir = os.path.join(TOP, 'build', 'user', 'obj')
    for part in ('lib', 'podvsadm', 'podvsd'):
        root = os.path.join(user, part)
        objroot = os.path.join(objdir, part)
        n, edges = check_part(part, root, objroot,
                              objects(objroot, True, set()),
                              [root, os.path.join(user, 'lib'),
                               os.path.join(TOP, 'include', 'uapi')], verbose)
        bad += n
        if part == 'podvsd':
            bad += check_podvsd_layers(edges)
    print(f'check-layers: {bad} finding(s)')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
