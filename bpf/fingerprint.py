#!/usr/bin/env python3
"""Prints a fingerprint of a BPF object that does not depend on the order clang numbers its BTF types in.

clang-19 emits the same types, instructions and sections for the same source, but the order of some BTF types (forward
declarations, seen here) varies from machine to machine, so the object's bytes are not reproducible. 'make check' compares
these fingerprints instead: every section's bytes except .BTF and .BTF.ext (which hold type ids), the disassembly with its
relocations, and the BTF types as a sorted list in which every reference to a type is replaced by what that type is.
Needs llvm-readelf/llvm-objdump (llvm-19) and bpftool.
"""
import json
import re
import subprocess
import sys

LLVM_SUFFIX = "-19"


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def btf_types(path: str) -> list[str]:
    types = {t["id"]: t for t in json.loads(run("bpftool", "btf", "dump", "file", path, "-j"))["types"]}
    references: dict[int, str] = {0: "void"}

    def reference(type_id: int, depth: int = 0) -> str:
        if type_id in references:
            return references[type_id]
        t = types[type_id]
        if t.get("name", "(anon)") != "(anon)" and t["kind"] not in ("FUNC_PROTO", "ARRAY", "PTR"):
            text = f'{t["kind"]} {t["name"]}'
        else:
            text = describe(t, depth + 1)
        references[type_id] = text
        return text

    def canonical(value, depth: int):
        if isinstance(value, dict):
            return {k: (reference(v, depth) if k.endswith("type_id") else canonical(v, depth))
                    for k, v in value.items() if k != "id"}
        if isinstance(value, list):
            return [canonical(v, depth) for v in value]
        return value

    def describe(t: dict, depth: int = 0) -> str:
        if depth > 64:
            raise SystemExit(f"{path}: BTF type {t['id']} refers to itself through anonymous types")
        return json.dumps(canonical(t, depth), sort_keys=True)

    return sorted(describe(t) for t in types.values())


def main(path: str) -> None:
    readelf = "llvm-readelf" + LLVM_SUFFIX
    objdump = "llvm-objdump" + LLVM_SUFFIX
    sections = re.findall(r"^\s*\[\s*\d+\]\s+(\S+)", run(readelf, "-S", "-W", path), re.MULTILINE)
    print("sections:", " ".join(sections))
    for name in sections:
        if name in (".BTF", ".BTF.ext", ".rel.BTF", ".rel.BTF.ext"):
            continue
        print(run(readelf, "-x", name, path).replace(path, "OBJECT"))
    print(run(objdump, "-d", "-r", path).replace(path, "OBJECT"))
    print(run(objdump, "-t", path).replace(path, "OBJECT"))
    print("\n".join(btf_types(path)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: fingerprint.py OBJECT.bpf.o")
    main(sys.argv[1])
