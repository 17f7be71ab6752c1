#!/usr/bin/env bash
# Alignment and merging on Fashion-MNIST (needs Debian's dataset-fashion-mnist):
#  1. two 784-512-512-512-10 MLPs (seeds 1, 2): loss/accuracy barrier before and after weight and activation matching;
#  2. two ResNet-20s (BatchNorm): aligned midpoint accuracy with and without BatchNorm reset;
#  3. MergeMany of 4 MLPs against the naive average of the same 4.
# Writes models, barrier CSVs and plots under ./out; prints Markdown tables. Small by default; override with
# MLP_EPOCHS, RESNET_EPOCHS, RESNET_SUBSET, WIDTH, DEPTH; PARTS="mlp resnet merge" picks the parts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${OUT:-$here/out}"; mkdir -p "$out"
dotnet build -c Release "$repo/src/Noether.Cli" -v q --nologo >/dev/null
noether() { dotnet "$repo/src/Noether.Cli/bin/Release/net10.0/noether.dll" "$@"; }
parts=" ${PARTS:-mlp resnet merge} "
W="${WIDTH:-512}"; D="${DEPTH:-3}"; E="${MLP_EPOCHS:-3}"
if [[ $parts == *" mlp "* ]]; then
for s in 1 2 3 4; do
  [ -f "$out/mlp$s.safetensors" ] || noether train --model mlp --width "$W" --depth "$D" --data fashion-mnist --epochs "$E" --batch-size 128 --seed "$s" --out "$out/mlp$s.safetensors" --json > "$out/mlp$s.train.json"
done
echo "| MLP pair | alignment | loss barrier | accuracy barrier | midpoint accuracy |"
echo "|---|---|---|---|---|"
for a in none weight activation; do
  compare=""; [ "$a" != none ] && compare="--compare"
  noether barrier "$out/mlp1.safetensors" "$out/mlp2.safetensors" --data fashion-mnist --align "$a" $compare --out "$out/barrier-mlp-$a" --json > "$out/barrier-mlp-$a.json"
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"| seeds 1, 2 | {d['align']} | {d['barrier_loss']:.4f} | {100*d['barrier_acc']:.2f} % | {100*d['midpoint']['accuracy']:.2f} % |\")" "$out/barrier-mlp-$a.json"
done
fi
if [[ $parts == *" resnet "* ]]; then
RE="${RESNET_EPOCHS:-2}"; RS="${RESNET_SUBSET:-12000}"
for s in 1 2; do
  [ -f "$out/resnet$s.safetensors" ] || noether train --model resnet20 --data fashion-mnist --subset "$RS" --epochs "$RE" --batch-size 128 --seed "$s" --out "$out/resnet$s.safetensors" --json > "$out/resnet$s.train.json"
done
echo; echo "| ResNet-20 pair | alignment | BatchNorm statistics | midpoint accuracy | loss barrier |"
echo "|---|---|---|---|---|"
# Each run: alignment, then barrier flags (--no-reset: interpolated statistics; --repair: REPAIR).
runs=("none --no-reset" "none" "weight --no-reset" "weight" "activation --no-reset" "activation" "activation --repair")
[ -n "${RESNET_RUNS:-}" ] && IFS=, read -ra runs <<< "$RESNET_RUNS"   # e.g. RESNET_RUNS="weight,activation --repair"
for run in "${runs[@]}"; do
  set -- $run; a="$1"; shift; flags="$*"
  tag="$a$(echo "$flags" | tr -d ' -')"
  noether barrier "$out/resnet1.safetensors" "$out/resnet2.safetensors" --data fashion-mnist --align "$a" $flags --points 3 --out "$out/barrier-resnet-$tag" --json > "$out/barrier-resnet-$tag.json"
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s='REPAIR' if '--repair' in sys.argv[2] else ('reset' if d['batchnorm_reset'] else 'interpolated'); print(f\"| seeds 1, 2 | {d['align']} | {s} | {100*d['midpoint']['accuracy']:.2f} % | {d['barrier_loss']:.4f} |\")" "$out/barrier-resnet-$tag.json" "$flags"
done
fi
if [[ $parts == *" merge "* ]]; then
noether merge "$out"/mlp{1,2,3,4}.safetensors --out "$out/mergemany.safetensors" --json > /dev/null
noether merge "$out"/mlp{1,2,3,4}.safetensors --naive --out "$out/naive.safetensors" --json > /dev/null
echo; echo "| 4 MLPs | test accuracy |"; echo "|---|---|"
for m in mlp1 mlp2 mlp3 mlp4 naive mergemany; do
  noether evaluate "$out/$m.safetensors" --data fashion-mnist --json | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"| $m | {100*d['accuracy']:.2f} % |\")"
done
fi
