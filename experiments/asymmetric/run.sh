#!/usr/bin/env bash
# Asymmetric networks (Lim et al., NeurIPS 2024; issue 15): linear mode connectivity without alignment and monotonic
# linear interpolation from initialisation, standard vs W-asymmetric vs σ-asymmetric MLPs on Fashion-MNIST.
#
# SPEC's reference setting is a 4-layer width-512 MLP (LayerNorm, GELU), AdamW lr 1e-3 wd 0.03, batch 64, 25 epochs;
# the defaults here are reduced for a shared 2-core machine (override with the variables below):
#   WIDTH=128 EPOCHS=2 PAIRS=3 K=16 KAPPA=1 ./run.sh
# Writes runs/<kind>/seed<s>/{init,final}.safetensors, results/*.json|csv and per-pair barrier plots, then prints
# the tables that README.md quotes.
set -euo pipefail
cd "$(dirname "$0")"
WIDTH=${WIDTH:-128}; EPOCHS=${EPOCHS:-2}; PAIRS=${PAIRS:-3}; K=${K:-16}; KAPPA=${KAPPA:-1}; DEPTH=${DEPTH:-3}
DATA=${DATA:-fashion-mnist}; ASYM_SEED=${ASYM_SEED:-0}
ROOT=$(cd ../.. && pwd)
CLI=${CLI:-"$ROOT/src/Noether.Cli/bin/Release/net10.0/noether.dll"}
[ -f "$CLI" ] || dotnet build -c Release "$ROOT/src/Noether.Cli" -v q --nologo
noether() { dotnet "$CLI" "$@"; }
mkdir -p runs results
SEEDS=$(seq 1 $((2 * PAIRS)))

for kind in none w sigma; do
  for s in $SEEDS; do
    d=runs/$kind/seed$s; mkdir -p "$d"
    [ -f "$d/final.safetensors" ] && continue
    noether train --model mlp --data "$DATA" --depth "$DEPTH" --width "$WIDTH" --norm layernorm --activation gelu \
      --optimizer adamw --lr 1e-3 --weight-decay 0.03 --batch-size 64 --epochs "$EPOCHS" \
      --asymmetry "$kind" --frozen-per-row "$K" --kappa "$KAPPA" --asym-seed "$ASYM_SEED" --seed "$s" \
      --init-out "$d/init.safetensors" --out "$d/final.safetensors" --overwrite --json > "$d/train.json"
    echo "trained $kind seed $s: test accuracy $(jq .test_accuracy "$d/train.json")"
  done
done

# Barriers between independently trained pairs (1,2), (3,4), …: standard unaligned and weight-aligned, W- and σ-asymmetric unaligned.
echo "setting,pair,loss_barrier,accuracy_barrier,acc_a,acc_b,midpoint_accuracy" > results/barriers.csv
barrier() { # kind align pair a b
  local out=results/barrier_$1_$2_pair$3
  noether barrier "runs/$1/seed$4/final.safetensors" "runs/$1/seed$5/final.safetensors" --data "$DATA" --align "$2" \
    --out "$out" --overwrite --json > "$out.json"
  jq -r --arg s "$1/$2" --arg p "$3" '[$s, $p, .barrier_loss, .barrier_acc, .curve[0].accuracy, .curve[-1].accuracy, .midpoint.accuracy] | @csv' "$out.json" >> results/barriers.csv
}
for p in $(seq 1 "$PAIRS"); do
  a=$((2 * p - 1)); b=$((2 * p))
  barrier none none "$p" "$a" "$b"
  barrier none weight "$p" "$a" "$b"
  barrier w none "$p" "$a" "$b"
  barrier sigma none "$p" "$a" "$b"
done

# Monotonic linear interpolation: loss along init → final (25 points, test split); monotonic when it never rises.
echo "kind,seed,monotonic,largest_rise,loss_init,loss_final" > results/mli.csv
for kind in none w sigma; do
  for s in $SEEDS; do
    d=runs/$kind/seed$s
    noether barrier "$d/init.safetensors" "$d/final.safetensors" --data "$DATA" --align none --json > "$d/mli.json"
    jq -r --arg k "$kind" --arg s "$s" '[.curve[].loss] as $l | [range(1; $l|length) | $l[.] - $l[. - 1]] as $d
      | [$k, $s, (($d | max) <= 0), ([($d | max), 0] | max), $l[0], $l[-1]] | @csv' "$d/mli.json" >> results/mli.csv
  done
done

echo
python3 summarise.py
