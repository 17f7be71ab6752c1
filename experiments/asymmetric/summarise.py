#!/usr/bin/env python3
"""Prints the README tables from results/barriers.csv, results/mli.csv and runs/*/seed*/train.json (standard library only)."""
import csv, glob, json, statistics as st

def sd(v):
    return st.stdev(v) if len(v) > 1 else 0.0

names = {"none": "standard", "w": "W-asymmetric", "sigma": "σ-asymmetric"}

print("Training (test split, per epoch; mean over seeds):")
print("| model | runs | test accuracy per epoch | train loss per epoch | frozen / parameters |")
print("|---|---|---|---|---|")
for kind in ["none", "w", "sigma"]:
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"runs/{kind}/seed*/train.json"))]
    if not runs:
        continue
    epochs = min(len(r["history"]) for r in runs)
    acc = [st.mean(r["history"][e]["test_accuracy"] for r in runs) for e in range(epochs)]
    loss = [st.mean(r["history"][e]["train_loss"] for r in runs) for e in range(epochs)]
    frozen = runs[0].get("frozen_parameters")
    frozen = "—" if frozen is None else f"{frozen:,}"
    print(f"| {names[kind]} | {len(runs)} | {' → '.join(f'{100*a:.2f} %' for a in acc)} | {' → '.join(f'{l:.4f}' for l in loss)} | {frozen} / {runs[0]['parameters']:,} |")

rows = list(csv.DictReader(open("results/barriers.csv")))
pairs = len({r["pair"] for r in rows})
print(f"\nBarriers between independently trained pairs (test split, 25 points; mean ± sd over {pairs} pairs):")
print("| setting | loss barrier | accuracy barrier | endpoint accuracy | midpoint accuracy | loss barrier per pair |")
print("|---|---|---|---|---|---|")
labels = {"w/none": "W-asymmetric, unaligned", "none/weight": "standard, weight-aligned",
          "sigma/none": "σ-asymmetric, unaligned", "none/none": "standard, unaligned"}
for s, name in labels.items():
    r = [x for x in rows if x["setting"] == s]
    if not r:
        continue
    lb = [float(x["loss_barrier"]) for x in r]
    ab = [float(x["accuracy_barrier"]) for x in r]
    acc = [float(x["acc_a"]) for x in r] + [float(x["acc_b"]) for x in r]
    mid = [float(x["midpoint_accuracy"]) for x in r]
    print(f"| {name} | {st.mean(lb):.4f} ± {sd(lb):.4f} | {100*st.mean(ab):.2f} % ± {100*sd(ab):.2f} | "
          f"{100*st.mean(acc):.2f} % | {100*st.mean(mid):.2f} % | {', '.join(f'{v:.4f}' for v in lb)} |")

rows = list(csv.DictReader(open("results/mli.csv")))
print("\nMonotonic linear interpolation init → final (test loss at 25 points; monotonic = never rises):")
print("| model | monotonic runs | largest rise, mean | largest rise, max |")
print("|---|---|---|---|")
for kind in ["none", "w", "sigma"]:
    r = [x for x in rows if x["kind"] == kind]
    if r:
        rises = [float(x["largest_rise"]) for x in r]
        print(f"| {names[kind]} | {sum(x['monotonic'] == 'true' for x in r)} / {len(r)} | {st.mean(rises):.5f} | {max(rises):.5f} |")

# One SVG of the loss along the path for every setting (mean over pairs), written beside the tables.
import os
curves = {}
for s, name in labels.items():
    kind, align = s.split("/")
    files = sorted(glob.glob(f"results/barrier_{kind}_{align}_pair*.json"))
    if not files:
        continue
    runs = [json.load(open(f))["curve"] for f in files]
    n = min(len(c) for c in runs)
    curves[name] = [(runs[0][i]["lambda"], st.mean(c[i]["loss"] for c in runs)) for i in range(n)]
if curves:
    W, H, L, T, R, B = 640, 400, 60, 30, 200, 50
    ys = [y for c in curves.values() for _, y in c]
    lo, hi = min(ys), max(ys)
    X = lambda x: L + x * (W - L - R)
    Y = lambda y: T + (hi - y) / (hi - lo or 1) * (H - T - B)
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18">Test loss along the linear path between independently trained models (mean over pairs)</text>',
           f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/><line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>',
           f'<text x="{(W-R+L)/2}" y="{H-15}" text-anchor="middle">λ</text>']
    for k in range(5):
        v = lo + k * (hi - lo) / 4
        out.append(f'<text x="{L-6}" y="{Y(v)+4:.1f}" text-anchor="end">{v:.2f}</text>')
        out.append(f'<text x="{X(k/4):.1f}" y="{H-B+16}" text-anchor="middle">{k/4:.2f}</text>')
    for i, (name, c) in enumerate(curves.items()):
        pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in c)
        out.append(f'<polyline fill="none" stroke="{colours[i % 4]}" stroke-width="2" points="{pts}"/>')
        out.append(f'<line x1="{W-R+15}" y1="{T+20*i+10}" x2="{W-R+35}" y2="{T+20*i+10}" stroke="{colours[i % 4]}" stroke-width="2"/>')
        out.append(f'<text x="{W-R+40}" y="{T+20*i+14}">{name}</text>')
    out.append("</svg>")
    os.makedirs("plots", exist_ok=True)
    open("plots/barrier_loss.svg", "w").write("\n".join(out) + "\n")
    with open("plots/barrier_loss.csv", "w") as f:
        names_ = list(curves)
        f.write("lambda," + ",".join(names_) + "\n")
        for i in range(min(len(c) for c in curves.values())):
            f.write(f"{curves[names_[0]][i][0]}," + ",".join(f"{curves[nm][i][1]}" for nm in names_) + "\n")
    print("\nwrote plots/barrier_loss.svg and plots/barrier_loss.csv")
