#!/usr/bin/env bash
# Runs Noether's whole test suite on a fresh machine:
#   1. installs the Debian packages the tests read (Fashion-MNIST, onnx.proto, ONNX conformance data) when missing;
#   2. starts a one-node Slurm cluster on this machine (scripts/slurm-local.sh; installs slurm-wlm and munge when
#      missing) for the zoo tests, and stops it afterwards;
#   3. runs every test project with `dotnet test`;
#   4. prints one summary line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(dataset-fashion-mnist libonnx-dev libonnx-testdata)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "test.sh: could not install ${missing[*]}; tests that need them will fail with a message naming the package" >&2
  fi
fi

log=$(mktemp)
slurm_dir=$(mktemp -d /tmp/noether-slurm.XXXXXX)
trap 'bash scripts/slurm-local.sh stop "$slurm_dir" >/dev/null 2>&1 || true; rm -rf "$log" "$slurm_dir"' EXIT
if slurm_env=$(bash scripts/slurm-local.sh start "$slurm_dir"); then
  eval "$slurm_env"
  export SLURM_CONF
else
  echo "test.sh: could not start the local Slurm cluster; the Slurm zoo test will say why" >&2
fi
set +e
dotnet test Noether.slnx -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 79, Skipped: 0, ...").
grep -E "^(Passed|Failed)! +-" "$log" | awk -F'[:,]' '{f+=$2; p+=$4; s+=$6} END {printf "%d passed, %d failed, %d skipped\n", p, f, s}'
exit "$status"
