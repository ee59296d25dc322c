# Sourced by eng/kernel-matrix/fetch-kernel.sh and eng/arm64/fetch.sh: a PRIVATE apt state in a directory of its own, so
# that Debian packages of any suite and architecture can be downloaded without touching the host's apt lists, sources,
# status or /boot. Packages are checked against the archive's signed indexes (debian-archive-keyring).

# private_apt STATE_DIR ARCH "ARCHIVE:SUITE ..."  (e.g. "debian:bookworm debian-security:bookworm-security"): creates
# the state, sets the array apt_opts for apt-get/apt-cache, and fetches the indexes. STATE_DIR/debs is for downloads.
private_apt() {
  local state=$1 arch=$2 suites=$3 s
  local archive=${GADGET_DEBIAN_MIRROR:-http://deb.debian.org}
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  rm -rf "$state"
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
  : >"$state/sources.list"
  for s in $suites; do
    echo "deb [arch=$arch signed-by=$keyring] $archive/${s%%:*} ${s#*:} main" >>"$state/sources.list"
  done
  apt_opts=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o Dir::State::status=/dev/null
    -o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o APT::Sandbox::User=root -o Debug::NoLocking=1 -qq)
  apt-get "${apt_opts[@]}" update >&2
}

# newest_package PREFIX REGEX: the newest package (by version sort of its name) whose name starts with PREFIX and
# matches REGEX, in the state private_apt set up; empty when none does.
newest_package() {
  apt-cache "${apt_opts[@]}" pkgnames "$1" | grep -E "$2" | sort -V | tail -n 1 || true
}
