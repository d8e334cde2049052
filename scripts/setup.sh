#!/usr/bin/env bash
# Install disclose into the virtual environment .venv of this folder, with any Python >= 3.11:
# a pyenv or python.org interpreter, or Debian's and Ubuntu's own python3, which refuse
# `pip install` outside a virtual environment (PEP 668). Then run it as .venv/bin/disclose,
# or `source .venv/bin/activate` once and `disclose` after that.
# Usage: bash scripts/setup.sh          (the generator only)
#        bash scripts/setup.sh --test   (plus Chromium, CJK fonts and the test packages)
# PYTHON=/path/to/python3 chooses the interpreter (default: the first python3 >= 3.11 on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
  command -v apt-get >/dev/null || { echo "setup: please install: $*" >&2; exit 1; }
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}
new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

python=""
for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null && new_enough "$candidate"; then python=$candidate; break; fi
done
[ -n "$python" ] || { echo "setup: disclose needs Python 3.11 or later; none found on PATH" >&2; exit 1; }

# A .venv that no longer runs (its Python was removed or upgraded) is made again.
if ! .venv/bin/python -c '' 2>/dev/null; then
  rm -rf .venv
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv  # Debian and Ubuntu ship venv's pip apart, in python3-venv
    apt_install "python3-venv" "python$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
    "$python" -m venv .venv
  fi
fi

if [ "${1:-}" = "--test" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
echo "disclose is installed in .venv: run .venv/bin/disclose, or first: source .venv/bin/activate" >&2
