#!/usr/bin/env bash
# Resource bench of the symmetry verbs (issue 11): peak RSS of transform/canonicalize on a ~350 MB model and the
# time of inspect on a 200k-node chain. Writes the models with `noether bench models` (seeded), then runs each verb
# under /usr/bin/time -v and prints seconds, peak RSS and RSS ÷ model file size.
#   bench/symmetry_resources.sh [DIR] [MEGABYTES] [CHAIN_NODES]
# NOETHER (default: the Release build in this tree) runs the CLI.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/noether-resources}
mb=${2:-350}
nodes=${3:-200000}
noether=${NOETHER:-"dotnet $here/src/Noether.Cli/bin/Release/net10.0/noether.dll"}
mkdir -p "$dir"
model="$dir/mlp-${mb}mb.safetensors"
chain="$dir/chain-${nodes}.safetensors"
[[ -f $model && -f ${model%.safetensors}.onnx ]] || $noether bench models --out "$dir" --megabytes "$mb" --chain-nodes 0
[[ -f $chain ]] || $noether bench models --out "$dir" --megabytes 0 --chain-nodes "$nodes"

measure() { # label, input file, command...
  local label=$1 input=$2; shift 2
  local log; log=$(mktemp)
  if ! /usr/bin/time -v "$@" >/dev/null 2>"$log"; then echo "$label: FAILED"; tail -5 "$log"; rm -f "$log"; return; fi
  local kb secs size
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  size=$(stat -c %s "$input")
  printf '%-34s %10s  peak RSS %7.0f MB  = %5.2f x input (%.0f MB)\n' "$label" "$secs" "$((kb / 1024))" \
    "$(echo "$kb * 1024 / $size" | bc -l)" "$(echo "$size / 1000000" | bc -l)"
  rm -f "$log"
}
onnx=${model%.safetensors}.onnx
measure "inspect $(basename "$chain")" "$chain" $noether inspect "$chain" --json
measure "inspect $(basename "$model")" "$model" $noether inspect "$model" --json
measure "transform $(basename "$model")" "$model" $noether transform "$model" --random --seed 1 --out "$dir/moved.safetensors" --json
measure "canonicalize $(basename "$model")" "$model" $noether canonicalize "$model" --out "$dir/canon.safetensors" --json
measure "transform $(basename "$onnx")" "$onnx" $noether transform "$onnx" --random --seed 1 --out "$dir/moved.onnx" --json
measure "canonicalize $(basename "$onnx")" "$onnx" $noether canonicalize "$onnx" --out "$dir/canon.onnx" --json
rm -f "$dir/moved.safetensors" "$dir/canon.safetensors" "$dir/moved.onnx" "$dir/canon.onnx"
