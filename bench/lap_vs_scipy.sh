#!/usr/bin/env bash
# Noether's linear assignment against scipy.optimize.linear_sum_assignment on the same seeded matrices, same machine,
# same session: prints, per n, both times, both optima and the ratio scipy / noether.
# Needs python3-scipy. Usage: bash bench/lap_vs_scipy.sh [n ...]   (default 1024 2048 4096)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1024 2048 4096)
dotnet build -c Release src/Noether.Cli/Noether.Cli.csproj --nologo -v q >/dev/null
noether=src/Noether.Cli/bin/Release/net10.0/noether
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "%6s %12s %12s %8s  %s\n" n noether_s scipy_s ratio "optimal cost (noether / scipy)"
for n in "${sizes[@]}"; do
  "$noether" bench lap --n "$n" --seed 1 --repeat 3 --save-costs "$tmp/c.npy" --json > "$tmp/noether.json"
  /usr/bin/python3 bench/scipy_lap_reference.py "$tmp/c.npy" --repeat 3 > "$tmp/scipy.json"
  /usr/bin/python3 - "$tmp/noether.json" "$tmp/scipy.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(f"{a['n']:6d} {a['seconds']:12.4f} {b['seconds']:12.4f} {b['seconds'] / a['seconds']:8.2f}  {a['cost']!r} / {b['cost']!r}")
PY
done
