#!/usr/bin/env bash
# Model zoos (issue 18): generate a zoo of small CNNs, and measure generation throughput.
#   experiments/zoo/run.sh zoo [COUNT] [OUT]         digits zoo of COUNT small CNNs (default 1000) into OUT
#   experiments/zoo/run.sh throughput [COUNT] [OUT]  Fashion-MNIST small-cnn zoo of COUNT models (default 16): models/hour
#   experiments/zoo/run.sh slurm [COUNT] [OUT]       the same zoo through a local one-node Slurm array of 4 tasks
# Every step is resumable: rerun the same command after a kill and it continues.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release src/Noether.Cli -v q --nologo >/dev/null
noether() { dotnet src/Noether.Cli/bin/Release/net10.0/noether.dll "$@"; }
what=${1:-zoo}
case "$what" in
  zoo)
    count=${2:-1000}; out=${3:-/tmp/noether-zoo-digits}
    noether zoo generate --recipe small-cnn --data digits --count "$count" --seed 0 --out "$out" --json
    ;;
  throughput)
    count=${2:-16}; out=${3:-/tmp/noether-zoo-fashion}
    noether zoo generate --recipe small-cnn --data fashion-mnist --count "$count" --seed 0 --out "$out" --json
    ;;
  slurm)
    count=${2:-64}; out=${3:-/tmp/noether-zoo-slurm}
    state=$(mktemp -d /tmp/noether-slurm.XXXXXX)
    trap 'bash scripts/slurm-local.sh stop "$state" >/dev/null 2>&1 || true' EXIT
    eval "$(bash scripts/slurm-local.sh start "$state")"; export SLURM_CONF
    job=$(noether zoo slurm --count "$count" --shards 4 --cpus-per-task 1 --out "$out" --submit --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
    while squeue -h -j "$job" | grep -q .; do sleep 2; noether zoo status "$out" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(f"{d[\"done\"]}/{d[\"total\"]} models", end="\r")'; done
    echo
    noether zoo merge "$out" --json
    ;;
  *) echo "usage: run.sh zoo|throughput|slurm [COUNT] [OUT]" >&2; exit 2;;
esac
