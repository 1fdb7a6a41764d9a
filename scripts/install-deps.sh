#!/usr/bin/env bash
# Installs what building and testing maild needs on Debian: system libraries through apt
# (when root; otherwise says what to install) and the interop test server from PyPI.
set -euo pipefail

# systemd: systemd-analyze, systemd-journald and systemd-socket-activate for the service tests;
# sqlite3: the queue checks in those tests and online backups (docs/operations.md); strace: the
# test that holds maild to its unit's system-call filter.
apt_packages=(libsqlite3-dev libssl-dev libsystemd-dev pkg-config openssl python3 systemd sqlite3 strace)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install-deps: apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if ! python3 -c "import aiosmtpd" 2>/dev/null; then
  echo "install-deps: pip install aiosmtpd (interop tests)"
  python3 -m pip install -q --disable-pip-version-check aiosmtpd 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --user aiosmtpd \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages aiosmtpd
fi

# dkimpy verifies our DKIM signatures in the tests; its ed25519 extra (PyNaCl) checks RFC 8463 ones.
if ! python3 -c "import dkim, nacl" 2>/dev/null; then
  echo "install-deps: pip install dkimpy[ed25519] (DKIM interop tests)"
  python3 -m pip install -q --disable-pip-version-check 'dkimpy[ed25519]' 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --user 'dkimpy[ed25519]' \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages 'dkimpy[ed25519]'
fi

if ! command -v swift >/dev/null; then
  echo "install-deps: no Swift toolchain on PATH; install Swift 6 from swift.org (Debian 12 package) first" >&2
  exit 1
fi
