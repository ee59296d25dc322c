#!/usr/bin/env python3
"""Extracts the kernel's BTF (what /sys/kernel/btf/vmlinux shows) from a kernel image, without booting it.

An arm64 'Image' (Debian's vmlinuz-*-arm64; a gzip-compressed one is unpacked first) is the kernel's memory image
without ELF sections, so the .BTF data is found by its header: magic 0xeB9F, version 1, flags 0, a 24-byte header
whose type section starts at 0 and whose string section follows it. The kernel's BTF is the one of that shape that
holds the most types: the image holds no other. bpftool then dumps it as C (bpf/Makefile's vmlinux target).
  extract-btf.py VMLINUZ OUT.btf
"""
import gzip
import struct
import sys

MAGIC = b"\x9f\xeb\x01\x00"  # little-endian 0xeB9F, version 1, flags 0
HEADER = struct.Struct("<HBBIIIII")


def candidates(image: bytes):
    at = image.find(MAGIC)
    while at >= 0:
        if at + HEADER.size <= len(image):
            _, _, _, hdr_len, type_off, type_len, str_off, str_len = HEADER.unpack_from(image, at)
            size = hdr_len + str_off + str_len
            if hdr_len == 24 and type_off == 0 and str_off == type_len and type_len > 0 and at + size <= len(image):
                # The string section starts with the empty string and ends with a NUL.
                strings = image[at + hdr_len + str_off:at + size]
                if strings[:1] == b"\0" and strings[-1:] == b"\0":
                    yield at, size
        at = image.find(MAGIC, at + 1)


def main(source: str, target: str) -> None:
    with open(source, "rb") as f:
        image = f.read()
    if image[:2] == b"\x1f\x8b":
        image = gzip.decompress(image)
    found = list(candidates(image))
    if not found:
        raise SystemExit(f"{source}: no BTF found (a kernel built without CONFIG_DEBUG_INFO_BTF, or a compressed image this script does not unpack)")
    at, size = max(found, key=lambda c: c[1])
    with open(target, "wb") as f:
        f.write(image[at:at + size])
    print(f"{source}: {size} bytes of BTF at offset {at:#x} -> {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: extract-btf.py VMLINUZ OUT.btf")
    main(sys.argv[1], sys.argv[2])
