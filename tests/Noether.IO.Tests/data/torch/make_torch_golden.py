"""Golden PyTorch files for TorchStateDictTests. Run once with Debian's python3-torch (1.13):

    /usr/bin/python3 tests/Noether.IO.Tests/data/torch/make_torch_golden.py

Writes, next to this script (seeded, so reruns give the same values):
  net_state_dict.pt   net.state_dict() of a Conv2d + BatchNorm2d (trained buffers) + Linear module, float32
  net_checkpoint.pt   {"state_dict": <the same>, "epoch": 3, "note": "..."}: a nested training checkpoint
  net_io.npz          an input batch x and the module's eval-mode output y (the oracle for the loaded model)
  tensors.pt          every supported dtype, non-contiguous views (transpose, strided slice with an offset,
                      two views of one storage), an nn.Parameter saved as such, a nested dict
  tensors.npz         the values of tensors.pt as float64, under the flattened dotted names
"""
import collections
import os

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20261203)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3 * 4 * 4, 5)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.bn(self.conv(x))), 1))


net = Net()
net.train()
for _ in range(3):  # moves the BatchNorm running statistics away from 0 and 1
    net(torch.randn(8, 2, 4, 4))
net.eval()
x = torch.randn(4, 2, 4, 4)
with torch.no_grad():
    y = net(x)
sd = net.state_dict()
torch.save(sd, os.path.join(HERE, "net_state_dict.pt"))
torch.save({"state_dict": sd, "epoch": 3, "note": "a training checkpoint"}, os.path.join(HERE, "net_checkpoint.pt"))
np.savez(os.path.join(HERE, "net_io.npz"), x=x.double().numpy(), y=y.double().numpy())

base = torch.randn(5, 6, dtype=torch.float64)
shared = torch.arange(24, dtype=torch.float32).reshape(4, 6)
tensors = collections.OrderedDict()
tensors["f32"] = torch.randn(2, 3)
tensors["f64"] = torch.randn(3, dtype=torch.float64)
tensors["f16"] = torch.randn(2, 2).half()
tensors["bf16"] = torch.randn(3, 2).bfloat16()
tensors["i64"] = torch.tensor([-(2 ** 40), 7, 0], dtype=torch.int64)
tensors["i32"] = torch.tensor([[1, -2], [3, 2 ** 30]], dtype=torch.int32)
tensors["i8"] = torch.tensor([-128, 5, 127], dtype=torch.int8)
tensors["u8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
tensors["flags"] = torch.tensor([True, False, True])
tensors["scalar"] = torch.tensor(2.5)
tensors["transposed"] = base.t()                # strides (1, 6)
tensors["strided"] = base[1:, ::2]              # offset 6, strides (6, 2)
tensors["row"] = shared[2]                      # offset 12 into a storage shared with ...
tensors["column"] = shared[:, 1]                # ... this one: offset 1, stride 6
tensors["param"] = nn.Parameter(torch.randn(2, 2))
tensors["nested"] = {"inner": {"w": torch.randn(2)}, "count": 4}
torch.save(tensors, os.path.join(HERE, "tensors.pt"))


def flatten(prefix, value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, torch.Tensor):
        out[prefix] = value.detach().double().numpy()


ref = {}
flatten("", tensors, ref)
np.savez(os.path.join(HERE, "tensors.npz"), **ref)
print("wrote", sorted(os.listdir(HERE)))
