#!/usr/bin/env bash
# Takes every model of the ONNX zoo (tests/Noether.IO.Tests/data/onnx-zoo/manifest.json: small PyTorch exports and
# real pretrained models) through every CLI verb and prints a Markdown table of pass/fail with the first error line.
# This is how progress on "any ONNX model people actually have" is measured.
#
#   summary       noether summary M
#   run           noether run M --input … (every graph input), outputs within 1e-5 relative of the golden
#   inspect       noether inspect M
#   transform     noether transform M --random --out T.onnx
#   verify        noether verify M T.onnx --input …  (the transformed model computes the same function)
#   canonicalize  noether canonicalize M --out C.onnx, and noether verify M C.onnx
#   convert       noether convert M R.safetensors, noether convert R.safetensors R.onnx, noether verify M R.onnx
#   names         T.onnx and C.onnx kept M's graph, input, output, node and initializer names and opset (python3-onnx)
#
# Environment: ENGINE=noether|onnxruntime adds --engine to run and verify (once the CLI has it); OUT=dir keeps the
# files (default: a temporary directory); ONLY="name …" restricts the models; NOETHER=path/to/noether.dll skips the build.
# Exit code 0 whatever the table says (it is a measurement); 2 when the script itself cannot run.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
zoo="$repo/tests/Noether.IO.Tests/data/onnx-zoo"
py=/usr/bin/python3
"$py" -c "import numpy" 2>/dev/null || { echo "run.sh: needs Debian's python3-numpy (apt-get install python3-numpy)" >&2; exit 2; }
if [ -z "${NOETHER:-}" ]; then
  dotnet build -c Release "$repo/src/Noether.Cli" -v q --nologo >/dev/null || { echo "run.sh: the CLI does not build" >&2; exit 2; }
  NOETHER="$repo/src/Noether.Cli/bin/Release/net10.0/noether.dll"
fi
if [ -n "${OUT:-}" ]; then out="$OUT"; mkdir -p "$out"; else out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT; fi
engine=(); [ -n "${ENGINE:-}" ] && engine=(--engine "$ENGINE")

export NO_COLOR=1 TERM=dumb COLUMNS=400
noether() { timeout 900 dotnet "$NOETHER" "$@"; }

# step VERB CMD…: runs CMD with its output in $dir/VERB.log; records pass/fail and keeps the first error line.
step() {
  local verb="$1"; shift
  if "$@" >"$dir/$verb.log" 2>&1; then cell[$verb]="✓"; return 0; fi
  cell[$verb]="✗"
  if [ -z "$first" ]; then
    # The CLI reports a failure in one line; a comparison's verdict is its last line.
    local line
    line="$(grep -i -E 'noether:|error|exception|differ|relative|not |unsupported|cannot|fail' "$dir/$verb.log" | head -1)"
    [ -z "$line" ] && line="$(grep -v '^\s*$' "$dir/$verb.log" | tail -1)"
    line="${line%%. Supported: *}"; line="${line//$zoo\//}"; line="${line//$dir\//}"; line="${line//|/\\|}"
    first="$verb: $(echo "${line:-non-zero exit code, no output}" | cut -c1-200)"
  fi
  return 1
}

# Comparisons against the golden after `noether run`, and of names after `transform`.
run_and_compare() { noether run "$model" "${inputs[@]}" --output-dir "$dir/run" "${engine[@]}" && "$py" "$here/zoo.py" compare "$zoo" "$name" "$dir/run"; }
verify() { noether verify "$model" "$1" "${inputs[@]}" "${engine[@]}"; }
canonicalize() { noether canonicalize "$model" --out "$dir/canonical.onnx" && verify "$dir/canonical.onnx"; }
convert_round_trip() {
  # A safetensors copy holds the graph at pinned sizes: pin them at the sizes of the inputs it will be run on.
  local dims known
  known="$(noether summary "$model" --json 2>/dev/null | "$py" -c 'import json, sys; print(",".join(json.load(sys.stdin).get("pinned", {})))')"
  read -r -a dims <<<"$(KNOWN="$known" "$py" "$here/zoo.py" dims "$model" "${files[@]}")"
  noether convert "$model" "$dir/converted.safetensors" "${dims[@]}" && noether convert "$dir/converted.safetensors" "$dir/converted.onnx" \
    && verify "$dir/converted.onnx"
}

names_kept() {
  local f
  for f in transformed canonical; do
    [ -f "$dir/$f.onnx" ] || continue
    "$py" "$here/zoo.py" names "$model" "$dir/$f.onnx" | sed "s/^/$f: /" || return 1
  done
}

verbs=(summary run inspect transform verify canonicalize convert names)
header="| model | kind |"; for v in "${verbs[@]}"; do header+=" $v |"; done
echo "$header first error |"
printf '|---|---|'; for _ in "${verbs[@]}"; do printf -- '---|'; done; echo '---|'
total=0; passed=0
declare -A count=()
while IFS=$'\t' read -r name kind model input_list; do
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then continue; fi
  dir="$out/$name"; rm -rf "$dir"; mkdir -p "$dir"
  inputs=(); IFS=',' read -r -a files <<<"$input_list"; for f in "${files[@]}"; do inputs+=(--input "$f"); done
  declare -A cell=(); first=""
  step summary noether summary "$model" --json
  step run run_and_compare
  step inspect noether inspect "$model" --json
  if step transform noether transform "$model" --random --seed 1 --out "$dir/transformed.onnx"; then
    step verify verify "$dir/transformed.onnx"
  else
    cell[verify]="–"
  fi
  step canonicalize canonicalize
  step convert convert_round_trip
  if [ -f "$dir/transformed.onnx" ] || [ -f "$dir/canonical.onnx" ]; then step names names_kept; else cell[names]="–"; fi
  row="| $name | $kind |"; ok=1
  for v in "${verbs[@]}"; do
    row+=" ${cell[$v]} |"
    [ "${cell[$v]}" = "✓" ] && count[$v]=$(( ${count[$v]:-0} + 1 )) || ok=0
  done
  echo "$row ${first:-} |"
  total=$((total + 1)); passed=$((passed + ok))
  unset cell
done < <("$py" "$here/zoo.py" list "$zoo")
row="| **passing** | |"; for v in "${verbs[@]}"; do row+=" ${count[$v]:-0}/$total |"; done
echo "$row |"
echo
echo "$passed of $total models pass every verb${ENGINE:+ (engine $ENGINE)}."
