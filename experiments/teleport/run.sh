#!/usr/bin/env bash
# Symmetry teleportation (Zhao et al., NeurIPS 2022) on their multi-layer regression: full-batch GD with and
# without one teleport, per seed. Writes out/seed_S.csv (curves) and out/summary.csv; prints the summary table.
# Small by default (a second or two); override with EPOCHS=… SEEDS=… OUT=… or extra noether options ("$@").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dotnet run -c Release --project "$repo/src/Noether.Cli" -- teleport \
  --sizes 4 5 6 7 8 --lr 1e-4 --epochs "${EPOCHS:-300}" --teleport-at 5 --teleport-steps 8 --teleport-lr 1e-7 \
  --seeds "${SEEDS:-5}" --out "${OUT:-$here/out}" "$@"
