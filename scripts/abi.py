#!/usr/bin/env python3
"""The C ABI of libdcimanager, as a baseline to compare every build against.

    scripts/abi.py dump  HEADER LIB            the ABI, one fact per line (stdout)
    scripts/abi.py check BASELINE HEADER LIB   exit 1 when a fact of BASELINE is gone or changed

The facts: the SONAME; every function the header declares, with its prototype (parameter types;
names do not matter to the ABI) and whether the library exports it; every callback type; every
enum constant's value and each enum's size; the size, alignment and field offsets of every
public struct (from a C program compiled against the header, so the compiler's layout is what
is compared); every #define. Adding is free; removing or changing anything is an
incompatible change, which must bump the SONAME (the minor version while it is 0.x).

Why not abi-dumper + abi-compliance-checker: they read the library's DWARF, and the DWARF of a
Rust cdylib describes Rust's types, not the C declarations users compile against. The
generated header is the contract; this reads it, the dynamic symbol table (`nm -D`) and the
compiler's layout, and needs nothing beyond python3, nm and cc.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

FIX = ("An incompatible change of the C ABI: bump the version (the minor while it is 0.x) so the "
       "SONAME changes (build.rs), write it in CHANGELOG.md, then record the new ABI with "
       "`make abi-baseline`. If the change was a mistake, restore what was removed.")


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def norm(t: str) -> str:
    t = re.sub(r"\s*\*\s*", " *", t.strip())
    return re.sub(r"\s+", " ", t).replace("( ", "(").replace(" )", ")").strip()


def split_top(text: str, sep: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur))
    return out


def param_type(p: str) -> str:
    p = norm(p)
    if p in ("void", ""):
        return p
    m = re.match(r"^(.*?)\s*\b([A-Za-z_]\w*)\s*(\[[^\]]*\])?$", p)
    if m and m.group(1) and not m.group(1).endswith(("struct", "enum")):
        return norm(m.group(1) + (m.group(3) or ""))
    return p


def params(text: str) -> str:
    return ", ".join(param_type(p) for p in split_top(text, ","))


def parse_header(path: str):
    raw = open(path, encoding="utf-8").read()
    defines = {}
    for m in re.finditer(r"^#define\s+(DCI_\w+)\s+(.+?)\s*$", raw, flags=re.M):
        defines[m.group(1)] = m.group(2)
    # Without preprocessor lines and C++'s `extern "C" { ... }` (its brace alone on a line).
    body = "\n".join(l for l in strip_comments(raw).splitlines()
                     if not l.strip().startswith("#") and l.strip() != "}")
    body = body.replace('extern "C" {', " ")
    funcs, callbacks, enums, structs, opaque = {}, {}, {}, {}, set()
    for stmt in split_top(body, ";"):
        s = " ".join(stmt.split())
        if not s or s == "}":
            continue
        s = s.lstrip("} ").strip()
        if m := re.fullmatch(r"typedef enum \{(.*)\} (\w+)", s):
            value, members = -1, []
            for item in split_top(m.group(1), ","):
                item = item.strip()
                if not item:
                    continue
                name, _, val = item.partition("=")
                value = int(val.strip(), 0) if val.strip() else value + 1
                members.append((name.strip(), value))
            enums[m.group(2)] = members
        elif m := re.fullmatch(r"typedef struct \{(.*)\} (\w+)", s):
            fields = []
            for f in m.group(1).split(";"):
                f = f.strip()
                if f:
                    fm = re.match(r"^(.*?)\b(\w+)\s*(\[[^\]]*\])?$", f)
                    fields.append((fm.group(2), norm(fm.group(1) + (fm.group(3) or ""))))
            structs[m.group(2)] = fields
        elif m := re.fullmatch(r"typedef struct (\w+) (\w+)", s):
            opaque.add(m.group(2))
        elif m := re.fullmatch(r"typedef (.+?)\(\s*\*\s*(\w+)\)\s*\((.*)\)", s):
            callbacks[m.group(2)] = f"{norm(m.group(1))} (*)({params(m.group(3))})"
        elif m := re.fullmatch(r"(.+?)\b(dci_\w+)\s*\((.*)\)", s):
            funcs[m.group(2)] = f"{norm(m.group(1))} {m.group(2)}({params(m.group(3))})"
        else:
            raise SystemExit(f"abi.py: cannot read this declaration of {path}: {s[:120]}")
    return defines, funcs, callbacks, enums, structs, opaque


def exports(lib: str) -> set[str]:
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True)
    return {l.split()[-1] for l in out.stdout.splitlines() if l.split() and l.split()[-1].startswith("dci_")}


def soname(lib: str) -> str:
    out = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True, check=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return m.group(1) if m else "(none)"


def layouts(header: str, enums, structs) -> list[str]:
    """Sizes, alignments and offsets as the C compiler lays them out."""
    lines = ["#include <stdio.h>", "#include <stddef.h>", "#include <stdalign.h>",
             f'#include "{os.path.abspath(header)}"', "int main(void) {"]
    for name in sorted(enums):
        lines.append(f'printf("enum {name} size %zu\\n", sizeof({name}));')
    for name, fields in sorted(structs.items()):
        lines.append(f'printf("struct {name} size %zu align %zu\\n", sizeof({name}), alignof({name}));')
        for fname, ftype in fields:
            lines.append(f'printf("field {name}.{fname} {ftype} offset %zu\\n", offsetof({name}, {fname}));')
    lines += ["return 0;", "}"]
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "probe.c"), os.path.join(d, "probe")
        open(src, "w").write("\n".join(lines) + "\n")
        subprocess.run([os.environ.get("CC", "cc"), "-std=c11", "-w", src, "-o", exe], check=True)
        return subprocess.run([exe], capture_output=True, text=True, check=True).stdout.splitlines()


def dump(header: str, lib: str) -> list[str]:
    defines, funcs, callbacks, enums, structs, opaque = parse_header(header)
    exported = exports(lib)
    facts = [f"soname {soname(lib)}"]
    for name, proto in sorted(funcs.items()):
        facts.append(f"function {proto}")
        if name in exported:
            facts.append(f"export {name}")
    facts += [f"callback {n} {p}" for n, p in sorted(callbacks.items())]
    for name, members in sorted(enums.items()):
        facts += [f"enumerator {name}.{m} = {v}" for m, v in members]
    facts += [f"opaque {n}" for n in sorted(opaque)]
    facts += [f"define {n} {v}" for n, v in sorted(defines.items()) if n != "DCI_SONAME"]
    facts += layouts(header, enums, structs)
    return facts


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "dump":
        print("# The C ABI of libdcimanager (scripts/abi.py dump include/dcimanager.h "
              "target/release/libdcimanager.so): `make abi-baseline` writes it, `make test` "
              "compares every build with it.")
        print("\n".join(dump(argv[2], argv[3])))
        return 0
    if len(argv) == 5 and argv[1] == "check":
        base = [l for l in open(argv[2], encoding="utf-8").read().splitlines()
                if l and not l.startswith("#")]
        now = dump(argv[3], argv[4])
        if base[0] != now[0]:
            print(f"abi: the baseline is of {base[0].split(' ', 1)[1]}, the library is "
                  f"{now[0].split(' ', 1)[1]}: record the new ABI with `make abi-baseline` "
                  "(and write the change in CHANGELOG.md)", file=sys.stderr)
            return 1
        current = set(now)
        gone = [l for l in base if l not in current]
        if gone:
            print(f"abi: {len(gone)} fact(s) of the baseline ({argv[2]}) are gone or changed:",
                  file=sys.stderr)
            for l in gone:
                print(f"  - {l}", file=sys.stderr)
            print(FIX, file=sys.stderr)
            return 1
        added = len(current - set(base))
        print(f"abi: compatible with {argv[2]} ({len(base)} facts kept"
              + (f", {added} added: `make abi-baseline` records them" if added else "") + ")")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
