#!/usr/bin/python3
"""Times scipy.optimize.linear_sum_assignment on a cost matrix saved by `noether bench lap --save-costs FILE.npy`,
for comparison with Noether's solver on the very same matrix (same optimum expected).

Requires Debian's python3-scipy (apt-get install python3-scipy); not used by the test suite.
Usage: /usr/bin/python3 bench/scipy_lap_reference.py FILE.npy [--repeat 3] [--maximize]
Prints one JSON object: n, seconds (fastest of the repeats), cost, scipy version.
"""
import argparse, json, time
import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("costs", help=".npy file written by noether bench lap --save-costs")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--maximize", action="store_true")
    args = ap.parse_args()
    c = np.load(args.costs)
    linear_sum_assignment(c[:64, :64], maximize=args.maximize)  # load the extension before timing
    best, cost = float("inf"), None
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        rows, cols = linear_sum_assignment(c, maximize=args.maximize)
        best = min(best, time.perf_counter() - t0)
        cost = float(c[rows, cols].astype(np.float64).sum())
    print(json.dumps({"n": int(c.shape[0]), "m": int(c.shape[1]), "dtype": str(c.dtype), "seconds": best, "cost": cost,
                      "scipy": scipy.__version__}))


if __name__ == "__main__":
    main()
