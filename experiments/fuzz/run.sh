#!/usr/bin/env bash
# Long fuzz run of issue 11: N mutants per format (default 10000) through the test suite's engine
# (tests/Noether.IO.Tests/Fuzz). Counts are appended to experiments/fuzz/counts.txt.
# Usage: experiments/fuzz/run.sh [MUTANTS_PER_FORMAT] [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-10000}"
seed="${2:-61474}"
report="$PWD/experiments/fuzz/counts.txt"
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) mutants/format=$n seed=$seed" >> "$report"
dotnet build -c Release tests/Noether.IO.Tests -v q --nologo
NOETHER_FUZZ_MUTANTS="$n" NOETHER_FUZZ_SEED="$seed" NOETHER_FUZZ_REPORT="$report" \
  dotnet test tests/Noether.IO.Tests -c Release --nologo --no-build --filter "FullyQualifiedName~FuzzSuite" \
  --logger "console;verbosity=normal"
tail -n 6 "$report"
