#!/usr/bin/env bash
# Calibration of noether provenance (issue 16, must-show 2) on small Llama-shaped models; see README.md.
# Small defaults (a few minutes): 20 independent pairs and every kind of copy at d = 64, 4 layers, vocabulary 128,
# 50 + 100 training steps. FULL=1 runs the README's setting (d = 256, MLP 512, vocabulary 512, 200 + 300 steps; about
# 30 minutes on two loaded cores). OUT=dir (default experiments/provenance/results-small, or results with FULL=1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
if [ "${FULL:-0}" = 1 ]; then
  out="${OUT:-$here/results}"
  args=(--pairs 20 --layers 4 --model 256 --mlp 512 --vocab 512 --pretrain 200 --finetune 300 --batch 16 --permutations 999)
else
  out="${OUT:-$here/results-small}"
  args=(--pairs 20 --layers 4 --model 64 --mlp 128 --vocab 128 --pretrain 50 --finetune 100 --batch 16 --permutations 999)
fi
dotnet run -c Release "$here/calibrate.cs" -- "${args[@]}" --out "$out"
