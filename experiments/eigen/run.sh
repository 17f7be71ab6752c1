#!/usr/bin/env bash
# Eigenvector positional encodings (issue 19; SPEC §3 Part I): test MAE of a GIN regressor with no PE, raw
# eigenvectors (random sign flips while training), SignNet, BasisNet and SPE, on the generated cycle-counting task
# and the rdkit-data NCI molecules, over several seeds (fixed splits; the seed sets initialisation, batch order and
# augmentation). Small defaults for a shared 2-core machine; override with the variables below:
#   TASKS="cycles molecules" SEEDS=3 MODEL=gin K=8 CYCLE_TARGET=cycle5 CYCLE_TRAIN=500 CYCLE_EPOCHS=15 \
#   MOL_TARGET=tpsa MOL_TRAIN=400 MOL_EPOCHS=10 ./run.sh
# Appends one JSON line per run to results/runs.jsonl (runs already there are skipped), then prints the table.
set -euo pipefail
cd "$(dirname "$0")"
TASKS=${TASKS:-cycles molecules}; SEEDS=${SEEDS:-3}; MODEL=${MODEL:-gin}; K=${K:-8}
CYCLE_TARGET=${CYCLE_TARGET:-cycle5}; CYCLE_TRAIN=${CYCLE_TRAIN:-500}; CYCLE_EPOCHS=${CYCLE_EPOCHS:-15}
MOL_TARGET=${MOL_TARGET:-tpsa}; MOL_TRAIN=${MOL_TRAIN:-400}; MOL_EPOCHS=${MOL_EPOCHS:-10}
ROOT=$(cd ../.. && pwd)
CLI=${CLI:-"$ROOT/src/Noether.Cli/bin/Release/net10.0/noether.dll"}
[ -f "$CLI" ] || dotnet build -c Release "$ROOT/src/Noether.Cli" -v q --nologo
noether() { dotnet "$CLI" "$@"; }
mkdir -p results
touch results/runs.jsonl

run() { # task target train epochs pe seed
  local key="$1/$2/$MODEL/$5/k$K/train$3/epochs$4/seed$6"
  grep -q "\"key\":\"$key\"" results/runs.jsonl && return
  noether eigen --task "$1" --target "$2" --train-size "$3" --epochs "$4" --model "$MODEL" --pe "$5" --eigenvectors "$K" \
    --seed "$6" --json | jq -c --arg key "$key" '. + {key: $key}' >> results/runs.jsonl
  tail -1 results/runs.jsonl | jq -r '"\(.task)/\(.target) \(.pe) seed \(.seed): test MAE \(.test_mae) (\(.seconds | floor) s)"'
}

for task in $TASKS; do
  for s in $(seq 1 "$SEEDS"); do
    for pe in none eig signnet basisnet spe; do
      if [ "$task" = cycles ]; then run cycles "$CYCLE_TARGET" "$CYCLE_TRAIN" "$CYCLE_EPOCHS" "$pe" "$s"
      else run molecules "$MOL_TARGET" "$MOL_TRAIN" "$MOL_EPOCHS" "$pe" "$s"; fi
    done
  done
done

# Table: mean ± sample sd of the test MAE over seeds, and the change against "none" (negative = better).
jq -s -r --arg model "$MODEL" --argjson k "$K" '
  map(select(.model == $model and .eigenvectors == $k)) | group_by(.task) | .[] | . as $t
  | (map(select(.pe == "none")) | map(.test_mae) | add / length) as $none
  | "\n\($t[0].task)/\($t[0].target) (\($t[0].train_graphs) train graphs, \($t[0].epochs) epochs, median predictor \($t[0].median_predictor_test_mae * 1000 | round / 1000)):",
    "| PE | seeds | test MAE mean ± sd | vs none | mean seconds |", "|---|---|---|---|---|",
    (["none", "eig", "signnet", "basisnet", "spe"][] as $pe | $t | map(select(.pe == $pe)) | select(length > 0)
     | (map(.test_mae)) as $m | ($m | add / length) as $mu
     | (if ($m | length) > 1 then ($m | map((. - $mu) * (. - $mu)) | add / (length - 1) | sqrt) else 0 end) as $sd
     | "| \($pe) | \(length) | \($mu * 1000 | round / 1000) ± \($sd * 1000 | round / 1000) | \(if $pe == "none" then "—" else "\((($mu - $none) / $none * 1000 | round) / 10) %" end) | \(map(.seconds) | add / length | round) |")
' results/runs.jsonl
