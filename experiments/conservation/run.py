#!/usr/bin/env python3
"""Conservation laws in practice: drift per kind of law under SGD, momentum + weight decay, Adam and the gradient flow,
and the O(eta) scaling of GD drift at fixed training time. Runs `noether conserve --json` and prints Markdown tables.

Small by default (about a minute on 2 cores). Environment: NOETHER (command, default: dotnet run of src/Noether.Cli),
OUT (output directory, default ./out), RELU_FLOW=1 also integrates the ReLU net's flow at rtol 1e-7 (a few minutes:
ReLU kinks make the right-hand side discontinuous and force small steps).
"""
import json
import os
import shlex
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "..", ".."))
noether = shlex.split(os.environ.get("NOETHER", f"dotnet run -c Release --project {repo}/src/Noether.Cli --"))
out = os.environ.get("OUT", os.path.join(here, "out"))


def conserve(name, *args):
    cmd = noether + ["conserve", *args, "--out", os.path.join(out, name), "--json"]
    print("$", " ".join(cmd[len(noether) - 0:]) if False else "noether " + " ".join(cmd[len(noether):]), file=sys.stderr)
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def kinds(doc):
    return {k["kind"]: k["max_rel_drift"] for k in doc["by_kind"]}


common = ["mlp", "--width", "32", "--subset", "128", "--seed", "1"]
runs = [
    ("SGD (lr 0.05, 300 steps)", "sgd", common + ["--optimizer", "sgd", "--lr", "0.05", "--steps", "300"]),
    ("momentum 0.9 + wd 1e-3", "momentum", common + ["--optimizer", "momentum", "--weight-decay", "1e-3", "--lr", "0.05", "--steps", "300"]),
    ("Adam (lr 1e-3, 300 steps)", "adam", common + ["--optimizer", "adam", "--lr", "1e-3", "--steps", "300"]),
    ("gradient flow, linear MLP (T = 20)", "flow-linear", ["mlp", "--width", "32", "--subset", "128", "--seed", "1", "--activation", "identity", "--flow", "--time", "20", "--rtol", "1e-10"]),
]
if os.environ.get("RELU_FLOW") == "1":
    runs.append(("gradient flow, ReLU MLP (T = 25, rtol 1e-7)", "flow-relu", ["mlp", "--width", "16", "--subset", "64", "--seed", "1", "--flow", "--time", "25", "--rtol", "1e-7"]))

docs = [(label, conserve(name, *args)) for label, name, args in runs]
all_kinds = sorted({k for _, d in docs for k in kinds(d)})
print("\n| run | loss start → end | " + " | ".join(all_kinds) + " | closed form |")
print("|---|---|" + "---|" * len(all_kinds) + "---|")
for label, d in docs:
    k = kinds(d)
    closed = [f.get("closed_form_error") for f in d["families"] if f.get("closed_form_error") is not None]
    cells = [f"{k[x]:.1e}" if x in k else "–" for x in all_kinds]
    print(f"| {label} | {d['initial_loss']:.3f} → {d['final_loss']:.3f} | " + " | ".join(cells) + f" | {max(closed):.1e} |" if closed else
          f"| {label} | {d['initial_loss']:.3f} → {d['final_loss']:.3f} | " + " | ".join(cells) + " | – |")

print("\nFull-batch GD to time T = 8 (128 digits): max relative drift of the rescaling laws")
print("\n| η | steps | drift | ratio to η/2 |\n|---|---|---|---|")
drifts = []
for lr in (0.04, 0.02, 0.01):
    steps = int(round(8 / lr))
    d = conserve(f"gd-{lr}", *common[:-2], "--seed", "1", "--optimizer", "sgd", "--batch-size", "128", "--lr", str(lr), "--steps", str(steps))
    drifts.append((lr, steps, kinds(d)["rescaling"]))
for i, (lr, steps, drift) in enumerate(drifts):
    ratio = f"{drift / drifts[i + 1][2]:.2f}" if i + 1 < len(drifts) else ""
    print(f"| {lr} | {steps} | {drift:.3e} | {ratio} |")
print(f"\nplots and CSV under {out}/*/ (drift.svg, loss.svg, families.csv, trajectory.csv)")
