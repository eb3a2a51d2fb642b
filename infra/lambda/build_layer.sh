#!/usr/bin/env bash
# Build the dependency layer for the Lambda functions into DEST (the layer's `python/` folder).
# Used by `sam build` (Makefile target build-DependenciesLayer) and runnable by hand:
#   infra/lambda/build_layer.sh /tmp/layer/python && du -sh /tmp/layer
# Wheels are for the function's platform (CPython 3.12, x86_64, glibc >= 2.28: the python3.12
# runtime is Amazon Linux 2023), whatever machine builds them, from the hashed lock
# requirements.txt. docs/deploy.md has the figures.
set -euo pipefail
dest="${1:?usage: build_layer.sh DEST_DIR}"
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
# The lock (lock_requirements.py): every version pinned and every wheel checked against its hash.
"$pip_python" -m pip install --quiet --disable-pip-version-check --no-compile \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
  --implementation cp --python-version 3.12 --only-binary=:all: --no-warn-conflicts \
  --require-hashes --no-deps --target "$dest" -r "$here/requirements.txt"

# pruned.txt: pandas (declared by ortools, imported only by CP-SAT and model_builder) and the
# boto3 stack the runtime has (a second copy here would shadow it).
"$pip_python" "$here/prune_layer.py" "$dest" "$here/pruned.txt"
cd "$dest"
# Test suites shipped inside packages (numpy's alone are ~16 MB); never imported at run time.
find . -type d -name tests -prune -exec rm -rf {} +
find . -type d -name __pycache__ -prune -exec rm -rf {} +

# Byte-compile with the runtime's Python when this machine has one (RUNTIME_PYTHON, default
# python3.12): /opt is read-only on Lambda, so without .pyc files every cold start compiles every
# module it imports. unchecked-hash .pyc files do not depend on file times, which zip archives
# round to 2 s.
runtime_python="${RUNTIME_PYTHON:-python3.12}"
if "$runtime_python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
  "$runtime_python" -m compileall -q -j 0 --invalidation-mode unchecked-hash . >/dev/null
else
  echo "build_layer.sh: no Python 3.12 here (RUNTIME_PYTHON); the layer ships without .pyc" >&2
fi
