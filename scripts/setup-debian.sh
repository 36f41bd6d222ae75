#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages OrgCabinet needs to build, run and test.
# Idempotent: packages already present are not touched, and apt is not even
# consulted when nothing is missing. Needs root (or sudo); otherwise prints the
# exact command to run and exits 3.
set -euo pipefail

PACKAGES=(
  # compilers and build helpers
  build-essential pkg-config file curl
  # Tauri v2 on Linux: WebKitGTK 4.1 and friends
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libssl-dev
  # OS keychain: Secret Service over D-Bus, kernel keyutils as fallback
  libdbus-1-dev keyutils
  # fonts with Cyrillic so the UI renders the same everywhere
  fonts-noto-core fonts-dejavu-core
  # end-to-end tests: a virtual display and WebKit's WebDriver
  xvfb xauth webkit2gtk-driver
  # desktop notifications in e2e: a private session bus the test listens on
  dbus-daemon
  # .deb bundle
  dpkg-dev
  # signature tests: OpenSSL's CLI as the interop oracle, SoftHSM2 as a
  # PKCS#11 token, and OpenSSL's GOST engine as the independent oracle for
  # GOST R 34.10/34.11-2012 signatures and GOST-protected .pfx files
  openssl softhsm2 libengine-gost-openssl
  # cargo xtask bench: peak memory of each contender, the sqlite3 shell the
  # cache's list query is compared with, and xdotool to see a window mapped
  time sqlite3 xdotool
  # PDF exports and receipts are read back by an independent reader
  # (pdftotext, pdfinfo; pdftoppm for looking at a page)
  poppler-utils
  # CAdES-X Long Type 1 is read back by pyasn1-modules' RFC 5126 module,
  # installed from PyPI into a virtual environment by `cargo xtask test`
  python3 python3-venv
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: system packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  else
    echo "setup: missing packages: ${missing[*]}" >&2
    echo "setup: run this, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 3
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
