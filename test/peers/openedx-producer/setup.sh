#!/usr/bin/env bash
# Creates (once) the Python venv that runs the real Open edX event bus producers, under .stack/python/.
# Re-running is cheap: the venv is rebuilt only when requirements.txt changes. Prints the venv's python path.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
VENV="$STACK_DIR/python/venv"
REQUIREMENTS="$HERE/requirements.txt"

log() { printf '[openedx-producer] %s\n' "$*" >&2; }

# openedx-events 11 requires Python 3.12+, newer than some machines' default python3.
find_python() {
  local candidate
  for candidate in "${OPENEDX_PRODUCER_PYTHON:-}" python3.13 python3.12 \
    "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
    if "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

mkdir -p "$STACK_DIR/python"
# Test runs that start at once must not build the same venv twice.
exec 9>"$STACK_DIR/python/.setup.lock"
flock 9

stamp="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ "$(cat "$VENV/.requirements-sha256" 2>/dev/null)" != "$stamp" ]; then
  python="$(find_python)" || {
    log "error: no Python >= 3.12 found; set OPENEDX_PRODUCER_PYTHON to one (openedx-events 11 needs it)"
    exit 1
  }
  log "creating $VENV with $("$python" --version) (first run only)"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS" >"$STACK_DIR/python/pip.log" 2>&1 || {
    tail -n 30 "$STACK_DIR/python/pip.log" >&2
    log "error: pip install failed; full log in $STACK_DIR/python/pip.log"
    exit 1
  }
  echo "$stamp" >"$VENV/.requirements-sha256"
fi
echo "$VENV/bin/python"
