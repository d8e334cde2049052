#!/usr/bin/env bash
# Install everything disclose and its tests need on a fresh Debian machine with Python 3.11.
# Usage: bash scripts/setup.sh          (the generator only)
#        bash scripts/setup.sh --test   (plus Chromium, CJK fonts and the test packages)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--test" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
  fi
  python3 -m pip install -q --disable-pip-version-check -e ".[test]"
else
  python3 -m pip install -q --disable-pip-version-check -e .
fi
