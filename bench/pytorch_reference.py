#!/usr/bin/python3
"""Training throughput of the reference models in PyTorch, for comparison with `noether bench train`.

Same models, batch, data shape and optimizer step as Noether.Nn.Diagnostics.TrainingThroughput:
  mlp-784-512-512-10: Linear(784,512)-ReLU-Linear(512,512)-ReLU-Linear(512,10)
  cnn-fashion:        Conv(1,32,3,p1)-ReLU-MaxPool2-Conv(32,64,3,p1)-ReLU-MaxPool2-Flatten-Linear(3136,128)-ReLU-Linear(128,10)
one step = forward, cross-entropy, backward, SGD(momentum 0.9) on random float32 inputs of batch 128.
Requires Debian's python3-torch (apt-get install python3-torch); not used by the test suite.
Usage: /usr/bin/python3 bench/pytorch_reference.py [--threads 1 2] [--seconds 3] [--models mlp-784-512-512-10 cnn-fashion]
`noether bench train` runs it as a subprocess (OPENBLAS_CORETYPE unset) between its own runs, for paired figures.
"""
import argparse, json, time
import torch
from torch import nn


def build(name):
    if name == "mlp-784-512-512-10":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def measure(name, threads, seconds, batch=128):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = build(name)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    step(); step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step(); steps += 1
    per_step = (time.perf_counter() - start) / steps
    return {"model": name, "threads": threads, "batch_size": batch,
            "parameters": sum(p.numel() for p in model.parameters()),
            "samples_per_second": batch / per_step, "milliseconds_per_step": per_step * 1e3, "steps": steps}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--models", nargs="+", default=["mlp-784-512-512-10", "cnn-fashion"],
                    choices=["mlp-784-512-512-10", "cnn-fashion"])
    args = ap.parse_args()
    results = [measure(m, t, args.seconds) for m in args.models for t in args.threads]
    print(json.dumps({"framework": f"pytorch {torch.__version__}", "results": results}, indent=2))
