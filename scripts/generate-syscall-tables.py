#!/usr/bin/env python3
"""Generates src/Gadget.Traceloop/Decoding/SyscallTableData.g.cs and src/Shared/Linux/{Errno,Signal}Table.g.cs (the
internal Linux ABI layer every package links) from this machine's Linux UAPI headers (package linux-libc-dev).

- Syscall names by number for x86-64 (asm/unistd_64.h) and arm64 (asm-generic/unistd.h, expanded by the C
  preprocessor with the switches arm64's asm/unistd.h sets).
- errno names (asm-generic/errno-base.h, errno.h) with glibc's strerror() texts (what strace prints), plus the
  kernel-internal restart codes a syscall exit can carry (include/linux/errno.h, not part of the UAPI).
- Signal names (asm/signal.h; identical numbering on x86-64 and arm64 for 1..31).

Run from the repository root:  python3 scripts/generate-syscall-tables.py
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "Gadget.Traceloop", "Decoding")
SHARED_OUT = os.path.join(ROOT, "src", "Shared", "Linux")
X86_HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
GENERIC_HEADER = "/usr/include/asm-generic/unistd.h"
ERRNO_HEADERS = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"]
SIGNAL_HEADER = "/usr/include/x86_64-linux-gnu/asm/signal.h"

# What arch/arm64/include/uapi/asm/unistd.h defines before including asm-generic/unistd.h (64-bit, no compat).
ARM64_SWITCHES = [
    "__BITS_PER_LONG=64",
    "__ARCH_WANT_RENAMEAT",
    "__ARCH_WANT_NEW_STAT",
    "__ARCH_WANT_SET_GET_RLIMIT",
    "__ARCH_WANT_TIME32_SYSCALLS",
    "__ARCH_WANT_SYS_CLONE3",
    "__ARCH_WANT_MEMFD_SECRET",
]

# Kernel-internal codes seen at syscall exit (include/linux/errno.h) with strace's texts: number, name, description.
KERNEL_ERRNOS_FILE = os.path.join(ROOT, "scripts", "kernel-errnos.tsv")


# Syscalls newer than the installed UAPI headers (linux-libc-dev 6.1), from the kernel's syscall tables
# (arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h, Linux 6.18). Numbers 451 and up are
# the same on every architecture; uretprobe and uprobe are x86-64 only.
NEWER_COMMON = {
    451: "cachestat", 452: "fchmodat2", 453: "map_shadow_stack", 454: "futex_wake", 455: "futex_wait",
    456: "futex_requeue", 457: "statmount", 458: "listmount", 459: "lsm_get_self_attr", 460: "lsm_set_self_attr",
    461: "lsm_list_modules", 462: "mseal", 463: "setxattrat", 464: "getxattrat", 465: "listxattrat",
    466: "removexattrat", 467: "open_tree_attr", 468: "file_getattr", 469: "file_setattr",
}
NEWER_X86_64 = {335: "uretprobe", 336: "uprobe", **NEWER_COMMON}
NEWER_ARM64 = dict(NEWER_COMMON)


def with_newer(table, newer):
    """Adds the syscalls the headers lack; returns the numbers that were added."""
    added = sorted(n for n in newer if n not in table)
    for n in added:
        table[n] = newer[n]
    return added


def x86_64_table():
    table = {}
    with open(X86_HEADER) as f:
        for line in f:
            m = re.match(r"#define __NR_(\w+)\s+(\d+)\s*$", line)
            if m:
                table[int(m.group(2))] = m.group(1)
    return table


def arm64_table():
    # asm-generic/unistd.h includes <asm/bitsperlong.h>, which would be x86's: give it an empty one instead.
    with tempfile.TemporaryDirectory() as include:
        os.makedirs(os.path.join(include, "asm"))
        open(os.path.join(include, "asm", "bitsperlong.h"), "w").close()
        cmd = ["cpp", "-dM", "-undef", "-nostdinc", "-I", include] + ["-D" + s for s in ARM64_SWITCHES] + [GENERIC_HEADER]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    macros = {}
    for line in out.splitlines():
        m = re.match(r"#define (__NR3264_\w+|__NR_\w+)\s+(.+)$", line)
        if m:
            macros[m.group(1)] = m.group(2).strip()

    def value(name, depth=0):
        v = macros.get(name)
        if v is None or depth > 8:
            return None
        if re.fullmatch(r"\d+", v):
            return int(v)
        if re.fullmatch(r"__NR\w+", v):
            return value(v, depth + 1)
        return None

    table = {}
    for name in macros:
        if not name.startswith("__NR_") or name in ("__NR_syscalls",) or name.startswith("__NR3264"):
            continue
        n = value(name)
        if n is not None:
            table.setdefault(n, name[len("__NR_"):])
    return table


def errno_table():
    table = {}
    for path in ERRNO_HEADERS:
        with open(path) as f:
            for line in f:
                m = re.match(r"#define\s+(E\w+)\s+(\d+)\b", line)
                if m:
                    n = int(m.group(2))
                    table.setdefault(n, (m.group(1), os.strerror(n)))
    with open(KERNEL_ERRNOS_FILE) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                n, name, text = line.rstrip("\n").split("\t")
                table.setdefault(int(n), (name, text))
    return table


def signal_table():
    table = {}
    with open(SIGNAL_HEADER) as f:
        for line in f:
            m = re.match(r"#define\s+(SIG[A-Z0-9]+)\s+(\d+)\b", line)
            if m and m.group(1) not in ("SIGRTMIN", "SIGSTKSZ") and 0 < int(m.group(2)) < 32:
                table.setdefault(int(m.group(2)), m.group(1))
    return table


def cs_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def names_array(table):
    size = max(table) + 1
    items = [cs_string(table[i]) if i in table else "null" for i in range(size)]
    lines = []
    for i in range(0, size, 8):
        lines.append("        " + ", ".join(items[i:i + 8]) + ",")
    return "\n".join(lines)


HEADER = """// <auto-generated>
// Generated by scripts/generate-syscall-tables.py from {sources}
// (linux-libc-dev {version}). Do not edit: run the script again.
// </auto-generated>
#nullable enable
"""


def libc_dev_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "linux-libc-dev"], capture_output=True, text=True).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main():
    version = libc_dev_version()
    x86 = x86_64_table()
    arm = arm64_table()
    x86_newer = with_newer(x86, NEWER_X86_64)
    arm_newer = with_newer(arm, NEWER_ARM64)
    if len(x86) < 300 or len(arm) < 250:
        sys.exit(f"suspiciously small tables: x86-64 {len(x86)}, arm64 {len(arm)}")
    with open(os.path.join(OUT, "SyscallTableData.g.cs"), "w") as f:
        f.write(HEADER.format(sources=f"{X86_HEADER} and {GENERIC_HEADER}", version=version))
        f.write("namespace Gadget.Traceloop.Decoding;\n\n")
        f.write("/// <summary>Syscall names indexed by number, per architecture (generated).</summary>\n")
        f.write("internal static class SyscallTableData\n{\n")
        f.write(f"    /// <summary>x86-64 names: {len(x86)} syscalls.</summary>\n")
        f.write("    public static readonly string?[] X86_64 =\n    [\n" + names_array(x86) + "\n    ];\n\n")
        f.write(f"    /// <summary>arm64 (asm-generic) names: {len(arm)} syscalls.</summary>\n")
        f.write("    public static readonly string?[] Arm64 =\n    [\n" + names_array(arm) + "\n    ];\n\n")
        f.write("    /// <summary>x86-64 numbers newer than the headers, added from the kernel's table (strace 6.1 does not know them).</summary>\n")
        f.write("    public static readonly int[] X86_64NewerThanHeaders = [" + ", ".join(map(str, x86_newer)) + "];\n\n")
        f.write("    /// <summary>arm64 numbers newer than the headers, added from the kernel's table.</summary>\n")
        f.write("    public static readonly int[] Arm64NewerThanHeaders = [" + ", ".join(map(str, arm_newer)) + "];\n}\n")
    errnos = errno_table()
    with open(os.path.join(SHARED_OUT, "ErrnoTable.g.cs"), "w") as f:
        f.write(HEADER.format(sources=" and ".join(ERRNO_HEADERS) + " with glibc strerror() texts", version=version))
        f.write("namespace Gadget.Linux;\n\n")
        f.write("/// <summary>errno names and strerror() texts indexed by number (generated).</summary>\n")
        f.write("internal static class ErrnoTable\n{\n")
        f.write("    /// <summary>(number, name, description) for every known errno, in increasing order.</summary>\n")
        f.write("    public static readonly (int Number, string Name, string Description)[] Entries =\n    [\n")
        for n in sorted(errnos):
            name, text = errnos[n]
            f.write(f"        ({n}, {cs_string(name)}, {cs_string(text)}),\n")
        f.write("    ];\n}\n")
    signals = signal_table()
    with open(os.path.join(SHARED_OUT, "SignalTable.g.cs"), "w") as f:
        f.write(HEADER.format(sources=SIGNAL_HEADER, version=version))
        f.write("namespace Gadget.Linux;\n\n")
        f.write("/// <summary>Signal names indexed by number, 1 to 31 (generated).</summary>\n")
        f.write("internal static class SignalTable\n{\n")
        f.write("    /// <summary>Names indexed by signal number (index 0 unused).</summary>\n")
        f.write("    public static readonly string?[] Names =\n    [\n" + names_array(signals) + "\n    ];\n}\n")
    print(f"x86-64: {len(x86)} syscalls, arm64: {len(arm)} syscalls, {len(errnos)} errnos, {len(signals)} signals")


if __name__ == "__main__":
    main()
