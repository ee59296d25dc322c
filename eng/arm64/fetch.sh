#!/usr/bin/env bash
# Fetches what the arm64 load check boots: one of Debian's arm64 kernels (vmlinuz, with BTF), busybox-static:arm64 and
# bookworm's strace:arm64 with the libraries it needs (libunwind8, liblzma5; extracted under strace-root/),
# into a cache directory, through a PRIVATE apt state (as eng/kernel-matrix/fetch-kernel.sh does for x86): the host's apt
# lists, its status and /boot are not touched; nothing but Debian packages is downloaded.
#   eng/arm64/fetch.sh VERSION CACHE_DIR     VERSION: 6.1 (bookworm) | 6.12 (bookworm-security's cloud kernel) | 6.18
# Prints the directory (CACHE_DIR/arm64-VERSION: vmlinuz, busybox, strace-root, package, release). Reuses it when already fetched.
set -euo pipefail
version=$1
cache=$2
. "$(dirname "$0")/../lib/debian-apt.sh"

# Which suites carry the kernel, and which binary package (newest version of the pattern wins). busybox-static comes
# from bookworm for every kernel.
case "$version" in
  6.1)  suites="debian:bookworm debian-security:bookworm-security"; pattern='^linux-image-6\.1\.0-[0-9]+-arm64$' ;;
  6.12) suites="debian:bookworm debian-security:bookworm-security"; pattern='^linux-image-6\.12\.[0-9]+\+deb12-cloud-arm64$' ;;
  6.18) suites="debian:bookworm debian:trixie-backports"; pattern='^linux-image-6\.18\.[0-9]+\+deb13-arm64$' ;;
  *) echo "arm64 fetch: unknown kernel '$version' (known: 6.1 6.12 6.18)" >&2; exit 2 ;;
esac

dest="$cache/arm64-$version"
if [ -f "$dest/vmlinuz" ] && [ -f "$dest/release" ] && [ -x "$dest/busybox" ] && [ -x "$dest/strace-root/usr/bin/strace" ]; then
  echo "$dest"
  exit 0
fi

state="$cache/apt-arm64-$version"
private_apt "$state" arm64 "$suites"
package=$(newest_package linux-image- "$pattern")
if [ -z "$package" ]; then
  echo "arm64 fetch: no package matching $pattern in $suites" >&2
  exit 1
fi
echo "arm64 fetch: $version -> $package, busybox-static, strace" >&2
(cd "$state/debs" && apt-get "${apt_opts[@]}" download "$package" busybox-static strace libunwind8 liblzma5 >&2)
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/kernel" "$dest.tmp/busybox"
dpkg-deb -x "$state/debs/$package"_*.deb "$dest.tmp/kernel"
dpkg-deb -x "$state/debs/"busybox-static_*.deb "$dest.tmp/busybox"
for deb in strace libunwind8 liblzma5; do dpkg-deb -x "$state/debs/$deb"_*.deb "$dest.tmp/strace-root"; done
rm -rf "$dest.tmp/strace-root/usr/share"
release=$(ls "$dest.tmp/kernel/boot" | sed -n 's/^vmlinuz-//p' | head -n 1)
cp "$dest.tmp/kernel/boot/vmlinuz-$release" "$dest.tmp/vmlinuz"
cp "$dest.tmp/busybox/bin/busybox" "$dest.tmp/busybox.bin"
rm -rf "$dest.tmp/kernel" "$dest.tmp/busybox"
mv "$dest.tmp/busybox.bin" "$dest.tmp/busybox"
echo "$release" >"$dest.tmp/release"
echo "$package $(apt-cache "${apt_opts[@]}" show "$package" | sed -n 's/^Version: //p' | head -n 1)" >"$dest.tmp/package"
rm -rf "$state" "$dest"
mv "$dest.tmp" "$dest"
echo "$dest"
