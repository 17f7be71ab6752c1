#!/usr/bin/env bash
# Benchmark (issue 16, must-show 3; not a test): noether provenance on two synthetic Llama-7B-shaped bfloat16
# checkpoints in Hugging Face layout (sharded), B a transformed + perturbed copy of A (synth7b.cs). Prints wall time
# and peak RSS (/usr/bin/time -v) against the bound 2 GiB + 3 × the largest tensor.
#
#   LAYERS=32 (default; every tensor has its Llama-2-7B shape whatever LAYERS is, so the memory bound is tested alike
#   with fewer layers — wall time grows linearly in LAYERS), OUT=dir (default /tmp/noether-prov7b), KEEP=1 keeps the
#   checkpoints, PERMUTATIONS=999, NOISE=0.05, SHARD_GB=4 (shard size; 7B at 4 GB gives 4 shards).
# Needs 2 × (0.52 + 0.40 × LAYERS) GB of disk (27 GB at 32 layers); refuses to start without it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
layers="${LAYERS:-32}"; out="${OUT:-/tmp/noether-prov7b}"; perms="${PERMUTATIONS:-999}"; noise="${NOISE:-0.05}"; shard="${SHARD_GB:-4}"
need_kb=$(( (1060 + 810 * layers) * 1024 ))
avail_kb=$(df -Pk "$(dirname "$out")" | awk 'NR==2 {print $4}')
df -h "$(dirname "$out")" /work || true
if [ "$avail_kb" -lt "$need_kb" ]; then
  echo "bench7b.sh: needs $((need_kb / 1024 / 1024)) GB free beside $out, has $((avail_kb / 1024 / 1024)) GB; lower LAYERS" >&2; exit 2
fi
dotnet build -c Release "$repo/src/Noether.Cli" -v q --nologo >/dev/null || { echo "bench7b.sh: the CLI does not build" >&2; exit 2; }
if [ ! -f "$out/B/model.safetensors.index.json" ]; then
  dotnet run -c Release "$here/synth7b.cs" -- --out "$out" --layers "$layers" --noise "$noise" --shard-gb "$shard"
fi
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$out"' EXIT
export NO_COLOR=1 TERM=dumb COLUMNS=160
/usr/bin/time -v dotnet "$repo/src/Noether.Cli/bin/Release/net10.0/noether.dll" provenance "$out/A" "$out/B" --permutations "$perms" 2> "$out/time.txt"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$out/time.txt"
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
largest=$((32000 * 4096 * 2))   # the embedding (and lm_head), bfloat16
bound_kb=$(( (2 * 1024 * 1024 * 1024 + 3 * largest) / 1024 ))
echo "peak RSS $((rss_kb / 1024)) MiB; bound 2 GiB + 3 × $((largest / 1024 / 1024)) MiB = $((bound_kb / 1024)) MiB: $([ "$rss_kb" -le "$bound_kb" ] && echo within || echo EXCEEDED)"
