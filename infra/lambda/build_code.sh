#!/usr/bin/env bash
# Copy the function code (solver/ and functions/, nothing else) into DEST, byte-compiled for
# Python 3.12 when this machine has it (see build_layer.sh for why). Used by `sam build`.
set -euo pipefail
dest="${1:?usage: build_code.sh DEST_DIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$dest"
for package in solver functions; do
  rm -rf "${dest:?}/$package"
  cp -r "$root/$package" "$dest/$package"
done
find "$dest" -type d -name __pycache__ -prune -exec rm -rf {} +
runtime_python="${RUNTIME_PYTHON:-python3.12}"
if "$runtime_python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
  "$runtime_python" -m compileall -q --invalidation-mode unchecked-hash "$dest" >/dev/null
fi
