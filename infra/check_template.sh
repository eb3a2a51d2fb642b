#!/usr/bin/env bash
# CI's deploy checks, all offline: lint template.yaml (cfn-lint, `sam validate --lint`, checkov)
# and build the Lambda bundle as `sam build` does, then import and route with Python 3.12 alone.
# The tools get virtual environments of their own under .ci-tools/ (cached only by pip's cache):
# aws-sam-cli pins boto3, botocore, pydantic and click below the project's, and checkov's
# requirements conflict with aws-sam-cli's.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.ci-tools

tool_venv() {
  local name=$1
  shift
  [ -x "$tools/$name/bin/python" ] || python3 -m venv "$tools/$name"
  "$tools/$name/bin/python" -m pip install --quiet --no-compile --disable-pip-version-check "$@"
}
tool_venv sam "aws-sam-cli==1.170.0" "uv==0.13.9"
tool_venv checkov "checkov==3.3.30"
tool_venv build "pip>=25" # the layer builds install hashed locks (build_layer.sh says why >= 25)
export PIP_PYTHON="$tools/build/bin/python"

export AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 BC_SKIP_MAPPING=TRUE
echo "== the layers' hashed locks are current with pyproject.toml (infra/lambda/lock_requirements.py)"
UV="$tools/sam/bin/uv" "$tools/sam/bin/python" infra/lambda/lock_requirements.py --check
echo "== cfn-lint template.yaml"
"$tools/sam/bin/cfn-lint" template.yaml
echo "== sam validate --lint"
"$tools/sam/bin/sam" validate --lint --template template.yaml
echo "== checkov -f template.yaml (skips are justified in the template)"
"$tools/checkov/bin/checkov" -f template.yaml --quiet --compact --skip-download
echo "== the template as deployed, per AuthMode: route groups, then checkov on each (infra/check_transformed.py)"
deployed="$(mktemp -d)"
"$tools/sam/bin/python" infra/check_transformed.py "$deployed" 2>&1 | grep -v "^Feature '\|unpublished metrics"
"$tools/checkov/bin/checkov" -d "$deployed" --framework cloudformation --quiet --compact --skip-download
rm -rf "$deployed"

echo "== Lambda bundle: build the layer and the code, import and route with Python 3.12 alone"
runtime_python=""
for candidate in "${RUNTIME_PYTHON:-}" python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12; do
  if [ -n "$candidate" ] &&
    "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
    runtime_python=$candidate
    break
  fi
done
if [ -z "$runtime_python" ]; then
  echo "skipped: no Python 3.12 on this machine (set RUNTIME_PYTHON)"
  exit 0
fi
bundle="$(mktemp -d)"
trap 'rm -rf "$bundle"' EXIT
RUNTIME_PYTHON=$runtime_python infra/lambda/build_layer.sh "$bundle/layer/python"
RUNTIME_PYTHON=$runtime_python infra/lambda/build_code.sh "$bundle/code"
# The python3.12 runtime's own boto3, which the layer leaves out.
python3 -m pip install --quiet --disable-pip-version-check --only-binary=:all: --no-warn-conflicts \
  --target "$bundle/runtime" boto3
"$runtime_python" -I -S infra/lambda/smoke_test.py --layer "$bundle/layer/python" \
  --code "$bundle/code" --runtime "$bundle/runtime" --dataset examples/demo
# The what-if functions: the what-if layer on top, and the worker's code with the report.
RUNTIME_PYTHON=$runtime_python infra/lambda/build_whatif_layer.sh "$bundle/whatif/python"
RUNTIME_PYTHON=$runtime_python infra/lambda/build_worker_code.sh "$bundle/worker"
"$runtime_python" -I -S infra/lambda/whatif_smoke_test.py --layer "$bundle/layer/python" \
  --whatif-layer "$bundle/whatif/python" --code "$bundle/worker" --runtime "$bundle/runtime" \
  --dataset examples/demo
echo "== unzipped size of every function (code + layers); fails past Lambda's 262,144,000 bytes"
"$tools/sam/bin/python" infra/lambda/bundle_sizes.py --code "$bundle/code" \
  --code ScenarioWorkerFunction="$bundle/worker" \
  --layer DependenciesLayer="$bundle/layer" --layer WhatifLayer="$bundle/whatif"
