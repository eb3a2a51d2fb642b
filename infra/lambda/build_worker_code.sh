#!/usr/bin/env bash
# The code of the what-if worker: the same as every function's (build_code.sh: solver/ and
# functions/). The report renderer it shares with `omniroute whatif` lives in solver/report/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/build_code.sh" "${1:?usage: build_worker_code.sh DEST_DIR}"
