#!/usr/bin/env bash
# Monotonic linear interpolation under a harsher optimiser (issue 15): the setting of run.sh but with a 10× learning
# rate (AdamW lr 1e-2 by default), where standard networks are more likely to climb a bump on the init → final line.
#   RUNS=6 MLI_LR=1e-2 EPOCHS=2 WIDTH=128 ./mli.sh     → results/mli_lr.csv and a table
set -euo pipefail
cd "$(dirname "$0")"
WIDTH=${WIDTH:-128}; EPOCHS=${EPOCHS:-2}; RUNS=${RUNS:-6}; K=${K:-16}; KAPPA=${KAPPA:-1}; DEPTH=${DEPTH:-3}
DATA=${DATA:-fashion-mnist}; ASYM_SEED=${ASYM_SEED:-0}; MLI_LR=${MLI_LR:-1e-2}
ROOT=$(cd ../.. && pwd)
CLI=${CLI:-"$ROOT/src/Noether.Cli/bin/Release/net10.0/noether.dll"}
[ -f "$CLI" ] || dotnet build -c Release "$ROOT/src/Noether.Cli" -v q --nologo
noether() { dotnet "$CLI" "$@"; }
mkdir -p results
echo "kind,seed,monotonic,largest_rise,loss_init,loss_final,test_accuracy" > results/mli_lr.csv
for kind in none w; do
  for s in $(seq 1 "$RUNS"); do
    d=runs-mli/$kind/seed$s; mkdir -p "$d"
    [ -f "$d/final.safetensors" ] || noether train --model mlp --data "$DATA" --depth "$DEPTH" --width "$WIDTH" --norm layernorm \
      --activation gelu --optimizer adamw --lr "$MLI_LR" --weight-decay 0.03 --batch-size 64 --epochs "$EPOCHS" \
      --asymmetry "$kind" --frozen-per-row "$K" --kappa "$KAPPA" --asym-seed "$ASYM_SEED" --seed "$s" \
      --init-out "$d/init.safetensors" --out "$d/final.safetensors" --overwrite --json > "$d/train.json"
    noether barrier "$d/init.safetensors" "$d/final.safetensors" --data "$DATA" --align none --json > "$d/mli.json"
    jq -r --arg k "$kind" --arg s "$s" --argjson acc "$(jq .test_accuracy "$d/train.json")" '[.curve[].loss] as $l
      | [range(1; $l|length) | $l[.] - $l[. - 1]] as $d
      | [$k, $s, (($d | max) <= 0), ([($d | max), 0] | max), $l[0], $l[-1], $acc] | @csv' "$d/mli.json" >> results/mli_lr.csv
    tail -1 results/mli_lr.csv
  done
done
echo "| model | monotonic runs | largest rise, mean | test accuracy, mean |"
echo "|---|---|---|---|"
for kind in none w; do
  awk -F, -v k="\"$kind\"" -v name="$kind" '$1 == k { n++; m += ($3 == "true"); r += $4; a += $7 } END { printf "| %s | %d / %d | %.5f | %.2f %% |\n", name, m, n, r / n, 100 * a / n }' results/mli_lr.csv
done
