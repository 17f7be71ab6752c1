#!/usr/bin/env bash
# The activation-basis experiment (issue 14, must-show 5) on the first CNN of run.sh: rotate a hidden layer by
# R^t = exp(tA) (t = 0 … 1, the next layer given R^-t so the function is unchanged) and record the mean class
# selectivity of its live units, for LAYERS and SEEDS. Needs OUT/cnn1.safetensors from run.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
out="${OUT:-$here/out}"; LAYERS="${LAYERS:-features.1 features.4 classifier.1}"; SEEDS="${SEEDS:-0 1 2}"
data=fashion-mnist; ls /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte* >/dev/null 2>&1 || data=digits
dotnet build -c Release "$repo/src/Noether.Cli" -v q --nologo >/dev/null
mkdir -p "$out/basis"
for layer in $LAYERS; do for s in $SEEDS; do
  dotnet "$repo/src/Noether.Cli/bin/Release/net10.0/noether.dll" basis "$out/cnn1.safetensors" --layer "$layer" --data "$data" \
    --seed "$s" --out "$out/basis/$layer-s$s" --overwrite --json > "$out/basis/$layer-s$s.json"
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], d['alive'], '/', d['channels'], ' '.join(f\"{x['selectivity']:.3f}\" for x in d['steps']))" \
    "$out/basis/$layer-s$s.json" "$layer" "$s"
done; done
