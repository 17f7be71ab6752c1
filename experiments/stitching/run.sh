#!/usr/bin/env bash
# Model stitching across independently trained ReLU CNNs (SPEC §1 "Stitching", issue 14, Godfrey et al. 2022).
#  1. trains N ReLU CNNs (conv 32–64, hidden WIDTH) on Fashion-MNIST with seeds 1..N (digits if Debian's
#     dataset-fashion-mnist is missing, with a message);
#  2. for every pair i < j and every LAYER runs `noether stitch --class CLASSES --json` (A = model i, B = model j);
#  3. `noether stitch-summary` turns the records into a per-layer mean ± sd penalty table (CSV + Markdown) and a plot
#     (SVG, PNG, CSV).
# Everything is seeded. Small by default; override with N, EPOCHS, SUBSET, WIDTH, LAYERS, CLASSES, STITCH_EPOCHS,
# STITCH_SAMPLES, TEST_SAMPLES, OUT. Models are reused when present (delete OUT to retrain).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${OUT:-$here/out}"; mkdir -p "$out/runs"
dotnet build -c Release "$repo/src/Noether.Cli" -v q --nologo >/dev/null
noether() { dotnet "$repo/src/Noether.Cli/bin/Release/net10.0/noether.dll" "$@"; }
N="${N:-5}"; EPOCHS="${EPOCHS:-2}"; SUBSET="${SUBSET:-6000}"; WIDTH="${WIDTH:-64}"
LAYERS="${LAYERS:-features.1 features.4 classifier.1}"
CLASSES="${CLASSES:-affine,grelu,perm,lowrank:1,lowrank:2,lowrank:4}"
STITCH_EPOCHS="${STITCH_EPOCHS:-2}"; STITCH_SAMPLES="${STITCH_SAMPLES:-2000}"; TEST_SAMPLES="${TEST_SAMPLES:-1000}"
data=fashion-mnist
if ! ls /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte* >/dev/null 2>&1; then
  echo "Fashion-MNIST not found in /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist): using digits" >&2
  data=digits
fi
for s in $(seq 1 "$N"); do
  [ -f "$out/cnn$s.safetensors" ] || noether train --model cnn --data "$data" --subset "$SUBSET" --epochs "$EPOCHS" --width "$WIDTH" \
    --seed "$s" --out "$out/cnn$s.safetensors" --json > "$out/cnn$s.train.json"
done
for i in $(seq 1 "$N"); do for j in $(seq $((i + 1)) "$N"); do for layer in $LAYERS; do
  f="$out/runs/$i-$j-$layer.json"
  [ -f "$f" ] || noether stitch "$out/cnn$i.safetensors" "$out/cnn$j.safetensors" --layer "$layer" --class "$CLASSES" --data "$data" \
    --epochs "$STITCH_EPOCHS" --train-samples "$STITCH_SAMPLES" --test-samples "$TEST_SAMPLES" --seed $((100 * i + j)) --json > "$f.tmp"
  [ -f "$f" ] || mv "$f.tmp" "$f"
done; done; done
noether stitch-summary "$out"/runs/*.json --out "$out" --overwrite
cat "$out/stitch_penalty.md"
