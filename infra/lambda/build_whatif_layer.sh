#!/usr/bin/env bash
# Build the what-if layer (ScenariosFunction, ScenarioWorkerFunction) into DEST (the layer's
# `python/` folder): the hashed lock whatif-requirements.txt, for CPython 3.12 on manylinux
# x86_64, without their dependencies (numpy and pydantic come from the dependency layer, build_layer.sh).
#   infra/lambda/build_whatif_layer.sh /tmp/whatif/python && du -sh /tmp/whatif
set -euo pipefail
dest="${1:?usage: build_whatif_layer.sh DEST_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
pip_python="${PIP_PYTHON:-python3}"

# pip before 25 checks a pinned wheel's Requires-Python against the Python running pip, not
# --python-version (numpy 2.5 needs >= 3.12): "requires a different Python". Measured: 24.0
# fails, 25.0 and 26.3 install the lock.
"$pip_python" -c 'import sys, pip; sys.exit(int(pip.__version__.split(".")[0]) < 25)' || {
  echo "$(basename "$0"): needs pip >= 25 in $pip_python (PIP_PYTHON): $pip_python -m pip install -U pip" >&2
  exit 1
}
mkdir -p "$dest"
"$pip_python" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
  --implementation cp --python-version 3.12 --only-binary=:all: \
  --require-hashes --target "$dest" -r "$here/whatif-requirements.txt"
# whatif-pruned.txt: bokeh's server, image and dataframe dependencies the report never imports.
"$pip_python" "$here/prune_layer.py" "$dest" "$here/whatif-pruned.txt"
cd "$dest"
find . -type d -name tests -prune -exec rm -rf {} +
find . -type d -name __pycache__ -prune -exec rm -rf {} +
runtime_python="${RUNTIME_PYTHON:-python3.12}"
if "$runtime_python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
  "$runtime_python" -m compileall -q -j 0 --invalidation-mode unchecked-hash . >/dev/null
fi
