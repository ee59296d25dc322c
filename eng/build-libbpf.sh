#!/usr/bin/env bash
# Builds the libbpf that the Gadget.Bpf package ships: libbpf 1.7.0 from Debian sid's source package, with libelf
# (elfutils 0.192) and zlib (1.3.1) from Debian 13's source packages linked in statically, so that libbpf.so.1 needs
# nothing but libc. Output: src/Gadget.Bpf/runtimes/linux-<arch>/native/libbpf.so.1 (not committed: this script makes it).
# Why 1.7 and not trixie's 1.5: libbpf 1.6 and newer map /sys/kernel/btf/vmlinux (5.5 MB on a 6.18 kernel) instead of
# reading it 4 KiB at a time (~1,340 read() calls, ~7 ms of every tool's start).
#
#   eng/build-libbpf.sh            # linux-x64 (the machine's own architecture)
#   eng/build-libbpf.sh arm64      # linux-arm64, cross-built with Debian's gcc-aarch64-linux-gnu
#   eng/build-libbpf.sh all        # both
#
# The sources come from Debian's archive through a private apt state (deb-src of trixie for elfutils and zlib, of sid for
# libbpf; this machine's own apt lists and sources are not touched), pinned to exact versions: apt checks them against
# the archive's signed Sources indexes, and dpkg-source applies Debian's patches (1.7.0-1 has none: the fix for
# CVE-2025-29481, an out-of-bounds read on corrupt objects, that 1.5.0-3 patched in is in 1.7's own source). Sid moves
# on: once 1.7.0-1 has left it, the fetch fails; GADGET_LIBBPF_SUITE=forky takes it from forky while forky has it.
# Then Gadget's own patches in eng/libbpf-patches/ (each says why) are applied, in name order.
# Needs: apt, dpkg-dev (dpkg-source), gcc, make, and gcc-aarch64-linux-gnu for arm64 (installed when missing, as root).
# A build whose inputs have not changed is skipped (a stamp next to the output records them); -f forces a rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

LIBBPF_VERSION="1.7.0-1"
LIBBPF_SUITE="${GADGET_LIBBPF_SUITE:-sid}"
ELFUTILS_VERSION="0.192-4"
ZLIB_VERSION="1:1.3.dfsg+really1.3.1-1"
# The Debian archive this machine's apt already uses (its main archive, not -security), or GADGET_DEBIAN_ARCHIVE.
ARCHIVE="${GADGET_DEBIAN_ARCHIVE:-$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
  grep -oE '(URIs: *|^deb +(\[[^]]*\] +)?)[a-z]+://[^ ]*/debian/?( |$)' | grep -oE '[a-z]+://[^ ]*' | head -n 1 || true)}"
if [ -z "$ARCHIVE" ]; then
  echo "$0: no Debian archive in /etc/apt; set GADGET_DEBIAN_ARCHIVE to one (its trixie and sid suites must be there)." >&2
  exit 1
fi
work="${GADGET_LIBBPF_WORK:-/tmp/gadget-libbpf-build}"
# One build at a time in that directory: two checkouts building at once (a worktree and main) would delete each other's
# sources half-way ("configure.log: Directory nonexistent").
mkdir -p "$(dirname "$work")"
exec 9>"$work.lock"
flock 9
script_hash=$(sha256sum "$0" | cut -c1-16)
patches=("$repo"/eng/libbpf-patches/*.patch)
patches_hash=$(cat "${patches[@]}" | sha256sum | cut -c1-16)

force=0
arches=()
for arg in "$@"; do
  case "$arg" in
    -f|--force) force=1 ;;
    x64|arm64) arches+=("$arg") ;;
    all) arches+=(x64 arm64) ;;
    *) echo "usage: $0 [-f] [x64|arm64|all]" >&2; exit 2 ;;
  esac
done
[ "${#arches[@]}" -gt 0 ] || arches=(x64)

need() { # need <command> <debian package>
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then echo "$0: $1 is missing: apt-get install $2" >&2; exit 1; fi
  echo "build-libbpf: installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

fetch_sources() {
  local state="$work/apt"
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$work/src"
  printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$ARCHIVE" trixie "$ARCHIVE" "$LIBBPF_SUITE" > "$state/sources.list"
  local apt=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o Dir::State::status=/dev/null
             -o APT::Sandbox::User=root -qq)
  if [ ! -f "$work/src/.fetched-${LIBBPF_VERSION}-${ELFUTILS_VERSION}-${ZLIB_VERSION#*:}" ]; then
    echo "build-libbpf: fetching libbpf $LIBBPF_VERSION ($LIBBPF_SUITE), elfutils $ELFUTILS_VERSION, zlib $ZLIB_VERSION (trixie) sources from $ARCHIVE"
    apt-get "${apt[@]}" update
    # The exact versions decide which suite each comes from (sid's newer elfutils and zlib are not taken).
    (cd "$work/src" && apt-get "${apt[@]}" source --download-only \
      "libbpf=$LIBBPF_VERSION" "elfutils=$ELFUTILS_VERSION" "zlib=$ZLIB_VERSION" >/dev/null)
    touch "$work/src/.fetched-${LIBBPF_VERSION}-${ELFUTILS_VERSION}-${ZLIB_VERSION#*:}"
  fi
}

unpack() { # unpack <source package> <version> <directory>
  local dsc
  dsc=$(ls "$work/src/$1_${2#*:}.dsc")
  rm -rf "$3"
  dpkg-source --no-check -x "$dsc" "$3" >/dev/null
}

build_arch() { # build_arch <x64|arm64>
  local arch=$1 host cc strip
  case "$arch" in
    x64) host=x86_64-linux-gnu ;;
    arm64) host=aarch64-linux-gnu ;;
  esac
  if [ "$arch" = x64 ] && [ "$(uname -m)" = x86_64 ]; then
    cc=gcc; strip=strip; need gcc gcc
  else
    cc=$host-gcc; strip=$host-strip; need "$cc" "gcc-$host"
  fi
  local out="$repo/src/Gadget.Bpf/runtimes/linux-$arch/native"
  local stamp="libbpf $LIBBPF_VERSION elfutils $ELFUTILS_VERSION zlib $ZLIB_VERSION $host script $script_hash patches $patches_hash"
  if [ "$force" = 0 ] && [ -f "$out/libbpf.so.1" ] && [ "$(cat "$out/.libbpf-build" 2>/dev/null)" = "$stamp" ]; then
    echo "build-libbpf: $out/libbpf.so.1 is up to date ($stamp)"
    return 0
  fi
  local b="$work/build-$arch" prefix="$work/build-$arch/prefix"
  rm -rf "$b" && mkdir -p "$b" "$prefix"
  local cflags="-O2 -fPIC -g0 -fstack-protector-strong -D_FORTIFY_SOURCE=2"

  echo "build-libbpf: [$arch] zlib (static, PIC)"
  unpack zlib "$ZLIB_VERSION" "$b/zlib"
  (cd "$b/zlib" && CC=$cc CFLAGS="$cflags" ./configure --static --prefix="$prefix" >/dev/null && make -j"$(nproc)" libz.a >/dev/null && make install >/dev/null)

  echo "build-libbpf: [$arch] elfutils' libelf (static, PIC)"
  unpack elfutils "$ELFUTILS_VERSION" "$b/elfutils"
  (cd "$b/elfutils" && ./configure --host="$host" --disable-debuginfod --disable-libdebuginfod --disable-nls --disable-demangler \
      --without-bzlib --without-lzma --without-zstd CC="$cc" CFLAGS="$cflags" CPPFLAGS="-I$prefix/include" \
      LDFLAGS="-L$prefix/lib" > "$b/elfutils-configure.log" 2>&1 || { tail -30 "$b/elfutils-configure.log" >&2; exit 1; }
   make -C lib -j"$(nproc)" >/dev/null && make -C libelf -j"$(nproc)" libelf_pic.a >/dev/null)

  echo "build-libbpf: [$arch] libbpf (shared, libelf and zlib inside)"
  unpack libbpf "$LIBBPF_VERSION" "$b/libbpf"
  local patch
  for patch in "${patches[@]}"; do
    patch -d "$b/libbpf" -p1 --forward --no-backup-if-mismatch --quiet < "$patch" ||
      { echo "build-libbpf: $patch does not apply to libbpf $LIBBPF_VERSION" >&2; exit 1; }
  done
  # libbpf's version script exports only its own API; --exclude-libs hides libelf's and zlib's symbols as well, so a
  # process that also loads the system's libelf or zlib keeps both apart. -z defs: nothing may stay unresolved.
  make -C "$b/libbpf/src" -j"$(nproc)" NO_PKG_CONFIG=1 CC="$cc" OBJDIR="$b/out" CFLAGS="$cflags -Wall" \
    EXTRA_CFLAGS="-I$b/elfutils/libelf -I$prefix/include" \
    ALL_LDFLAGS="-Wl,--exclude-libs,ALL -Wl,-z,defs -Wl,-z,relro,-z,now $b/elfutils/libelf/libelf_pic.a $b/elfutils/lib/libeu.a $prefix/lib/libz.a" \
    "$b/out/libbpf.so.${LIBBPF_VERSION%-*}" >/dev/null

  mkdir -p "$out"
  "$strip" --strip-unneeded -o "$out/libbpf.so.1" "$b/out/libbpf.so.${LIBBPF_VERSION%-*}"
  local needed
  needed=$(readelf -d "$out/libbpf.so.1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  case "$needed" in
    *libelf*|*libz*) echo "build-libbpf: $out/libbpf.so.1 still needs $needed" >&2; exit 1 ;;
  esac
  echo "$stamp" > "$out/.libbpf-build"
  echo "build-libbpf: [$arch] $out/libbpf.so.1 ($(stat -c %s "$out/libbpf.so.1") bytes, needs: $needed)"
}

need dpkg-source dpkg-dev
need make make
need patch patch
fetch_sources
for arch in "${arches[@]}"; do
  build_arch "$arch"
done
