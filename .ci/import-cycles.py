#!/usr/bin/env python3
"""List the `crate::` imports between innobieb's modules and report import cycles.

Usage: python3 .ci/import-cycles.py [--files] [src-dir]

Every file under src/ is a node named by its module path (`render/fingerprint.rs` is
`render::fingerprint`, `render/mod.rs` is `render`). A reference `crate::a::b::Item` (in a
`use`, a `use crate::{a, b::c}` group or an inline path) and `super::Item` are resolved to
the longest known module prefix. Comments and string literals are ignored.

By default modules are grouped by their top-level name (the stages), and each import is
also checked against the order of the `pub mod` lines in src/lib.rs (the dependency rule
of ARCHITECTURE.md: a module uses only modules declared above it). `--files` reports
cycles between single files instead. Exits 1 when there is a cycle or (for modules) an
import against the lib.rs order, 0 otherwise. tests/architecture.rs checks the same rule.
"""
import os
import re
import sys


def strip(text):
    """Remove comments, string and char literals (keeping line structure roughly)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 8]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            i = n if j < 0 else j + len(end)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}'), not a lifetime ('a).
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                i += len(m.group(0))
                out.append("' '")
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_group(prefix, body):
    """`a, b::{c, d}, e::f as g` under `prefix` → list of paths."""
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    paths = []
    for p in parts:
        p = re.sub(r"\s+", "", re.sub(r"\s+as\s+\w+\s*$", "", p))
        if not p:
            continue
        m = re.match(r"^([\w:]*?)::\{(.*)\}$", p)
        if m:
            paths += expand_group(prefix + [s for s in m.group(1).split("::") if s], m.group(2))
        else:
            paths.append(prefix + [s for s in p.split("::") if s and s != "self"])
    return paths


def module_of(path, src):
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    if rel in (["lib"], ["main"]):
        return ""
    return "::".join(rel)


def references(text, here, is_dir_module):
    """Module paths referenced from a file whose module path is `here`."""
    text = strip(text)
    refs = []
    for m in re.finditer(r"\bcrate::\{([^;]*?)\}\s*;", text):
        refs += expand_group([], m.group(1))
    for m in re.finditer(r"\bcrate::((?:\w+::)*)\{([^;]*?)\}\s*;", text):
        refs += expand_group([s for s in m.group(1).split("::") if s], m.group(2))
    for m in re.finditer(r"\bcrate((?:::\w+)+)", text):
        refs.append(m.group(1).strip(":").split("::"))
    # super:: inside a submodule file points at the parent module.
    parent = here.split("::")[:-1]
    for m in re.finditer(r"\bsuper((?:::\w+)+)", text):
        refs.append(parent + m.group(1).strip(":").split("::"))
    # A mod.rs names its own submodules by relative paths (`context::Obj`, `self::x`).
    if is_dir_module:
        for m in re.finditer(r"(?<![\w:])(?:self::)?(\w+)::", text):
            refs.append(here.split("::") + [m.group(1)])
    return refs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    files_mode = "--files" in sys.argv
    src = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    modules = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                p = os.path.join(root, name)
                modules[module_of(p, src)] = p
    known = set(modules)
    edges = {}
    for mod, path in modules.items():
        if not mod:
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # Test modules (`#[cfg(test)] mod tests`) count too: they are compiled code.
        for ref in references(text, mod, path.endswith("mod.rs")):
            target = None
            for k in range(len(ref), 0, -1):
                cand = "::".join(ref[:k])
                if cand in known:
                    target = cand
                    break
            if target is None or target == mod:
                continue
            a, b = (mod, target) if files_mode else (mod.split("::")[0], target.split("::")[0])
            if a != b:
                edges.setdefault(a, set()).add(b)
    nodes = sorted(set(edges) | {b for bs in edges.values() for b in bs})
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    print("imports ({}):".format("files" if files_mode else "modules"))
    for a in nodes:
        if edges.get(a):
            print("  {} -> {}".format(a, ", ".join(sorted(edges[a]))))
    failed = False
    if not files_mode:
        with open(os.path.join(src, "lib.rs"), encoding="utf-8") as f:
            order = re.findall(r"^\s*pub mod (\w+);", f.read(), re.M)
        rank = {m: i for i, m in enumerate(order)}
        upward = [(a, b) for a in nodes for b in sorted(edges.get(a, ())) if rank.get(b, -1) > rank.get(a, len(order))]
        if upward:
            failed = True
            print("imports of modules that src/lib.rs declares below the importer:")
            for a, b in upward:
                print("  {} -> {}".format(a, b))
        else:
            print("every module imports only modules declared above it in src/lib.rs")
    if not sccs:
        print("no cycles")
        return 1 if failed else 0
    for comp in sorted(sccs):
        inside = set(comp)
        print("cycle: {}".format(" <-> ".join(comp)))
        for a in comp:
            for b in sorted(edges.get(a, ())):
                if b in inside:
                    print("    {} -> {}".format(a, b))
    return 1


if __name__ == "__main__":
    sys.exit(main())
