#!/usr/bin/env python3
"""Generates src/Gadget.Traceloop/Decoding/SyscallTableData.g.cs, src/Gadget.Traceloop/Decoding/Syscall32TableData.g.cs
and src/Shared/Linux/{Errno,Signal}Table.g.cs (the internal Linux ABI layer every package links) from this machine's
Linux UAPI headers (Debian packages linux-libc-dev and linux-libc-dev-armhf-cross).

- Syscall names by number for x86-64 (asm/unistd_64.h) and arm64 (asm-generic/unistd.h, expanded by the C
  preprocessor with the switches arm64's asm/unistd.h sets).
- Syscall names by number for the ABIs of 32-bit tasks on a 64-bit kernel: i386 (asm/unistd_32.h, which x86-64's
  linux-libc-dev installs), AArch32 EABI as arm64 runs it (arm's asm/unistd-eabi.h, from linux-libc-dev-armhf-cross or
  the multiarch linux-libc-dev:armhf; the generated file names the package and version it came from) with arm's
  private syscalls (__ARM_NR_*: set_tls, cacheflush, ... from 0x0f0000 up, in the asm/unistd.h beside it), and x32
  (asm/unistd_x32.h: x86-64 numbers with __X32_SYSCALL_BIT set).
- errno names (asm-generic/errno-base.h, errno.h) with glibc's strerror() texts (what strace prints), plus the
  kernel-internal restart codes a syscall exit can carry (include/linux/errno.h, not part of the UAPI).
- Signal names (asm/signal.h; identical numbering on x86-64 and arm64 for 1..31).

Run from the repository root (root is needed only to install the armhf headers):
    apt-get install linux-libc-dev linux-libc-dev-armhf-cross cpp
    python3 scripts/generate-syscall-tables.py
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
I386_HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"
X32_HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_x32.h"
# arm's EABI numbering (arch/arm/include/uapi/asm/unistd.h includes it for EABI): the cross-compilers' package first,
# then the multiarch one (dpkg --add-architecture armhf).
ARM_EABI_HEADERS = [
    "/usr/arm-linux-gnueabihf/include/asm/unistd-eabi.h",
    "/usr/include/arm-linux-gnueabihf/asm/unistd-eabi.h",
]
# The kernel's __X32_SYSCALL_BIT (arch/x86/include/uapi/asm/unistd.h).
X32_SYSCALL_BIT = 0x40000000

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
# The same numbers are "i386", "common" or "x32" entries of syscall_32.tbl, arch/arm/tools/syscall.tbl and syscall_64.tbl.
NEWER_I386 = dict(NEWER_COMMON)
NEWER_ARM32 = dict(NEWER_COMMON)
NEWER_X32 = dict(NEWER_COMMON)


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


def offset_table(path, base_macro):
    """A header of '#define __NR_name N' or '#define __NR_name (BASE + N)' lines: names by N."""
    table = {}
    pattern = re.compile(r"#define __NR_(\w+)\s+(?:(\d+)|\(" + re.escape(base_macro) + r"\s*\+\s*(\d+)\))\s*$")
    with open(path) as f:
        for line in f:
            m = pattern.match(line)
            if m:
                table[int(m.group(2) or m.group(3))] = m.group(1)
    return table


def installed_package(path):
    """(package, version) that installed path, by dpkg."""
    try:
        owner = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ("unknown", "unknown")
    package = owner.split(":", 1)[0] if ": " in owner else "unknown"
    if owner.count(":") >= 2:  # multiarch: "linux-libc-dev:armhf: /usr/include/..."
        package = owner.rsplit(": ", 1)[0]
    try:
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True).stdout.strip()
    except OSError:
        version = ""
    return (package, version or "unknown")


def arm_private_table(arm_header):
    """arm's private syscalls (asm/unistd.h beside unistd-eabi.h): (first number, names by number less it)."""
    path = os.path.join(os.path.dirname(arm_header), "unistd.h")
    with open(path) as f:
        text = f.read()
    base = re.search(r"#define __ARM_NR_BASE\s+\(__NR_SYSCALL_BASE\s*\+\s*(0x[0-9a-fA-F]+|\d+)\)", text)
    if not base:
        sys.exit(f"{path} does not define __ARM_NR_BASE")
    table = {int(m.group(2)): m.group(1) for m in re.finditer(r"#define __ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)", text)}
    if len(table) < 2:
        sys.exit(f"{path}: only {len(table)} private arm syscalls")
    # EABI's __NR_SYSCALL_BASE is 0.
    return int(base.group(1), 0), table


def arm_eabi_header():
    for path in ARM_EABI_HEADERS:
        if os.path.exists(path):
            return path
    sys.exit("no arm EABI syscall header (" + " or ".join(ARM_EABI_HEADERS) + "): apt-get install linux-libc-dev-armhf-cross")


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


def write_32bit_tables():
    """Syscall32TableData.g.cs: the i386, AArch32 EABI and x32 tables, with the packages they came from."""
    arm_header = arm_eabi_header()
    for path in (I386_HEADER, X32_HEADER):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: apt-get install linux-libc-dev")
    i386 = offset_table(I386_HEADER, "__NR_SYSCALL_BASE")
    arm = offset_table(arm_header, "__NR_SYSCALL_BASE")
    x32 = offset_table(X32_HEADER, "__X32_SYSCALL_BIT")
    i386_newer = with_newer(i386, NEWER_I386)
    arm_newer = with_newer(arm, NEWER_ARM32)
    x32_newer = with_newer(x32, NEWER_X32)
    arm_private_first, arm_private = arm_private_table(arm_header)
    if len(i386) < 400 or len(arm) < 350 or len(x32) < 300:
        sys.exit(f"suspiciously small tables: i386 {len(i386)}, arm {len(arm)}, x32 {len(x32)}")
    sources = []
    for path in (I386_HEADER, arm_header, os.path.join(os.path.dirname(arm_header), "unistd.h"), X32_HEADER):
        package, version = installed_package(path)
        sources.append(f"// {path} ({package} {version})")
    with open(os.path.join(OUT, "Syscall32TableData.g.cs"), "w") as f:
        f.write("// <auto-generated>\n// Generated by scripts/generate-syscall-tables.py from\n" + "\n".join(sources) + "\n")
        f.write("// Do not edit: run the script again.\n// </auto-generated>\n#nullable enable\n")
        f.write("namespace Gadget.Traceloop.Decoding;\n\n")
        f.write("/// <summary>Syscall names indexed by number for the 32-bit-pointer ABIs a 64-bit kernel also runs (generated).</summary>\n")
        f.write("internal static class Syscall32TableData\n{\n")
        f.write(f"    /// <summary>i386 names (ia32 tasks on x86-64): {len(i386)} syscalls.</summary>\n")
        f.write("    public static readonly string?[] I386 =\n    [\n" + names_array(i386) + "\n    ];\n\n")
        f.write(f"    /// <summary>arm EABI names (AArch32 tasks on arm64): {len(arm)} syscalls.</summary>\n")
        f.write("    public static readonly string?[] Arm32 =\n    [\n" + names_array(arm) + "\n    ];\n\n")
        f.write(f"    /// <summary>arm's private syscalls (<c>__ARM_NR_*</c>) indexed by number less <see cref=\"Arm32PrivateFirst\"/>: {len(arm_private)} syscalls.</summary>\n")
        f.write("    public static readonly string?[] Arm32Private =\n    [\n" + names_array(arm_private) + "\n    ];\n\n")
        f.write("    /// <summary>The number of arm's first private syscall slot (the kernel's <c>__ARM_NR_BASE</c> in EABI).</summary>\n")
        f.write(f"    public const int Arm32PrivateFirst = 0x{arm_private_first:x};\n\n")
        f.write(f"    /// <summary>x32 names indexed by number less <see cref=\"X32SyscallBit\"/>: {len(x32)} syscalls.</summary>\n")
        f.write("    public static readonly string?[] X32 =\n    [\n" + names_array(x32) + "\n    ];\n\n")
        f.write("    /// <summary>The bit every x32 syscall number has set (the kernel's <c>__X32_SYSCALL_BIT</c>).</summary>\n")
        f.write(f"    public const int X32SyscallBit = 0x{X32_SYSCALL_BIT:x};\n\n")
        f.write("    /// <summary>i386 numbers newer than the headers, added from the kernel's table.</summary>\n")
        f.write("    public static readonly int[] I386NewerThanHeaders = [" + ", ".join(map(str, i386_newer)) + "];\n\n")
        f.write("    /// <summary>arm EABI numbers newer than the headers, added from the kernel's table.</summary>\n")
        f.write("    public static readonly int[] Arm32NewerThanHeaders = [" + ", ".join(map(str, arm_newer)) + "];\n\n")
        f.write("    /// <summary>x32 numbers (less the x32 bit) newer than the headers, added from the kernel's table.</summary>\n")
        f.write("    public static readonly int[] X32NewerThanHeaders = [" + ", ".join(map(str, x32_newer)) + "];\n}\n")
    return f"i386: {len(i386)}, arm EABI: {len(arm)} + {len(arm_private)} private, x32: {len(x32)} syscalls"


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
    summary32 = write_32bit_tables()
    print(f"x86-64: {len(x86)} syscalls, arm64: {len(arm)} syscalls, {summary32}, {len(errnos)} errnos, {len(signals)} signals")


if __name__ == "__main__":
    main()
