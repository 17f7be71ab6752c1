#!/usr/bin/env bash
# Drift of every conserved quantity under SGD, momentum + weight decay, Adam and the gradient flow, and GD's O(η)
# drift at fixed time; prints Markdown tables, writes plots and CSV under ./out. RELU_FLOW=1 adds the ReLU flow.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build -c Release "$here/../../src/Noether.Cli" -v q --nologo >/dev/null
NOETHER="${NOETHER:-dotnet $here/../../src/Noether.Cli/bin/Release/net10.0/noether.dll}" exec /usr/bin/python3 "$here/run.py" "$@"
