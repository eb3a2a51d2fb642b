#!/usr/bin/env bash
# The code of the what-if worker: build_code.sh's (solver/, functions/) plus the report renderer
# it shares with `omniroute whatif` (omniroute/report/, nothing else of the CLI).
set -euo pipefail
dest="${1:?usage: build_worker_code.sh DEST_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$here/build_code.sh" "$dest"
rm -rf "${dest:?}/omniroute"
mkdir -p "$dest/omniroute"
cp "$root/omniroute/__init__.py" "$dest/omniroute/"
cp -r "$root/omniroute/report" "$dest/omniroute/report"
find "$dest/omniroute" -type d -name __pycache__ -prune -exec rm -rf {} +
runtime_python="${RUNTIME_PYTHON:-python3.12}"
if "$runtime_python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
  "$runtime_python" -m compileall -q --invalidation-mode unchecked-hash "$dest/omniroute" >/dev/null
fi
