#!/usr/bin/env bash
# Metanetworks on a zoo of digits CNNs (issue 17). Small defaults for a shared 2-core machine:
#   COUNT=200 models, META_EPOCHS=100, SPLITS=2 random train/test splits (25 % held out) per metanetwork.
# Writes zoo/ (safetensors + index.csv) and results/table.md, results/runs.json beside this script.
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-200} META_EPOCHS=${META_EPOCHS:-100} SPLITS=${SPLITS:-2} METHODS=${METHODS:-stats,mlp,mlp+aug,nfn,nfn-np,gmn}
dotnet run -c Release --project ZooExperiment -- --count "$COUNT" --zoo zoo --results results \
  --meta-epochs "$META_EPOCHS" --splits "$SPLITS" --methods "$METHODS"
