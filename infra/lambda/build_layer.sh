#!/usr/bin/env bash
# Build the dependency layer for the Lambda functions into DEST (the layer's `python/` folder).
# Used by `sam build` (Makefile target build-DependenciesLayer) and runnable by hand:
#   infra/lambda/build_layer.sh /tmp/layer/python && du -sh /tmp/layer
# Wheels are for the function's platform (CPython 3.12, x86_64, glibc >= 2.28: the python3.12
# runtime is Amazon Linux 2023), whatever machine builds them. docs/deploy.md has the figures.
set -euo pipefail
dest="${1:?usage: build_layer.sh DEST_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
pip_python="${PIP_PYTHON:-python3}"

mkdir -p "$dest"
"$pip_python" -m pip install --quiet --disable-pip-version-check --no-compile \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
  --implementation cp --python-version 3.12 --only-binary=:all: --no-warn-conflicts \
  --target "$dest" -r "$here/requirements.txt"

# pandas (+ python-dateutil, six): declared by ortools, imported only by CP-SAT and model_builder.
# botocore, urllib3, jmespath: the runtime's boto3 has its own; a second copy here would shadow
# them (layers come before the runtime on sys.path) and could mismatch the runtime's boto3.
cd "$dest"
rm -rf pandas pandas-*.dist-info dateutil python_dateutil-*.dist-info six.py six-*.dist-info \
  botocore botocore-*.dist-info urllib3 urllib3-*.dist-info jmespath jmespath-*.dist-info
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
