#!/usr/bin/env bash
# Fetches one Debian kernel with BTF (vmlinuz + the few modules the test VM needs) into a cache directory, through a
# PRIVATE apt state: the host's apt lists, its status and /boot are not touched; nothing but Debian packages is downloaded.
#   eng/kernel-matrix/fetch-kernel.sh VERSION CACHE_DIR     VERSION: 5.10 | 6.1 | 6.12 | 6.18
# Prints the kernel's directory (CACHE_DIR/VERSION: vmlinuz, modules/, release). Reuses it when already fetched.
set -euo pipefail
version=$1
cache=$2
. "$(dirname "$0")/../lib/debian-apt.sh"

# Which suites carry the kernel, and which binary package (newest version of the pattern wins).
case "$version" in
  5.10) suites="debian:bullseye debian-security:bullseye-security"; pattern='^linux-image-5\.10\.0-[0-9]+-amd64$' ;;
  6.1)  suites="debian:bookworm debian-security:bookworm-security"; pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
  6.12) suites="debian:bookworm debian-security:bookworm-security"; pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
  6.18) suites="debian:trixie-backports"; pattern='^linux-image-6\.18\.[0-9]+\+deb13-amd64$' ;;
  *) echo "fetch-kernel: unknown kernel '$version' (known: 5.10 6.1 6.12 6.18)" >&2; exit 2 ;;
esac

dest="$cache/$version"
if [ -f "$dest/vmlinuz" ] && [ -f "$dest/release" ] && [ -d "$dest/modules" ]; then
  echo "$dest"
  exit 0
fi

state="$cache/apt-$version"
private_apt "$state" amd64 "$suites"
package=$(newest_package linux-image- "$pattern")
if [ -z "$package" ]; then
  echo "fetch-kernel: no package matching $pattern in $suites" >&2
  exit 1
fi
echo "fetch-kernel: $version -> $package" >&2
(cd "$state/debs" && apt-get "${apt_opts[@]}" download "$package" >&2)
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/x"
dpkg-deb -x "$state/debs/"*.deb "$dest.tmp/x"
release=$(ls "$dest.tmp/x/lib/modules" 2>/dev/null || ls "$dest.tmp/x/usr/lib/modules")
moddir="$dest.tmp/x/lib/modules/$release"
[ -d "$moddir" ] || moddir="$dest.tmp/x/usr/lib/modules/$release"
cp "$dest.tmp/x/boot/vmlinuz-$release" "$dest.tmp/vmlinuz"
# Keep only the modules the VM needs (9p over virtio for the host's file system), decompressed for busybox insmod.
mkdir -p "$dest.tmp/modules"
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
  f=$(find "$moddir" -name "$m.ko*" | head -n 1)
  [ -n "$f" ] || continue
  case "$f" in
    *.xz) xz -dc "$f" >"$dest.tmp/modules/$m.ko" ;;
    *.zst) zstd -qdc "$f" >"$dest.tmp/modules/$m.ko" ;;
    *) cp "$f" "$dest.tmp/modules/$m.ko" ;;
  esac
done
echo "$release" >"$dest.tmp/release"
echo "$package" >"$dest.tmp/package"
rm -rf "$dest.tmp/x" "$state" "$dest"
mv "$dest.tmp" "$dest"
echo "$dest"
