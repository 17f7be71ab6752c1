"""An ONNX model whose weights live in an external data file, for OnnxExternalDataTests. Run once with Debian's
python3-onnx (1.12):

    /usr/bin/python3 tests/Noether.IO.Tests/data/onnx-external/make_external.py

Writes mlp_external.onnx (graph only) and mlp_external.onnx.data (every initializer, size_threshold=0): a
MatMul + Add + Relu + Gemm network with a dynamic batch. Seeded, so reruns give the same bytes.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261203)
w1 = rng.standard_normal((4, 8)).astype(np.float32)
b1 = rng.standard_normal(8).astype(np.float32)
w2 = rng.standard_normal((3, 8)).astype(np.float32)
b2 = rng.standard_normal(3).astype(np.float32)
nodes = [
    helper.make_node("MatMul", ["x", "w1"], ["h0"]),
    helper.make_node("Add", ["h0", "b1"], ["h1"]),
    helper.make_node("Relu", ["h1"], ["h2"]),
    helper.make_node("Gemm", ["h2", "w2", "b2"], ["y"], transB=1),
]
graph = helper.make_graph(
    nodes, "mlp_external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
    [numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
path = os.path.join(HERE, "mlp_external.onnx")
if os.path.exists(path + ".data"):
    os.remove(path + ".data")  # onnx appends to an existing data file
onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                location="mlp_external.onnx.data", size_threshold=0)
loaded = onnx.load(path, load_external_data=False)
assert all(t.data_location == TensorProto.EXTERNAL for t in loaded.graph.initializer)
print("wrote", sorted(os.listdir(HERE)))
