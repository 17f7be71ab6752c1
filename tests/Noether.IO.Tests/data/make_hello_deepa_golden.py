#!/usr/bin/env python3
"""Golden outputs of hello_deepa.onnx from an independent evaluator, for Noether's ONNX import test.

Debian's python3-onnx (1.12) predates onnx.reference.ReferenceEvaluator, so this script evaluates the graph with a
tiny numpy interpreter covering exactly the op types the model uses, reading the weights with onnx.numpy_helper. It
computes in float32, like an ONNX runtime would. Run once (apt-get install python3-onnx python3-numpy):

    /usr/bin/python3 tests/Noether.IO.Tests/data/make_hello_deepa_golden.py

It writes hello_deepa_input.npy ([4, 25, 96], seed 20240601) and hello_deepa_output.npy ([4, 1]) next to itself.
"""
import os

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run(model, feeds):
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        x = [values[name] for name in node.input]
        a = attributes(node)
        op = node.op_type
        if op == "Flatten":
            axis = a.get("axis", 1)
            y = x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)
        elif op == "Gemm":
            A = x[0].T if a.get("transA", 0) else x[0]
            B = x[1].T if a.get("transB", 0) else x[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(x) > 2:
                y = y + a.get("beta", 1.0) * x[2]
        elif op == "ReduceMean":
            y = np.mean(x[0], axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif op == "Constant":
            y = numpy_helper.to_array(a["value"])
        elif op == "Sub":
            y = x[0] - x[1]
        elif op == "Add":
            y = x[0] + x[1]
        elif op == "Mul":
            y = x[0] * x[1]
        elif op == "Div":
            y = x[0] / x[1]
        elif op == "Pow":
            y = np.power(x[0], x[1])
        elif op == "Sqrt":
            y = np.sqrt(x[0])
        elif op == "Relu":
            y = np.maximum(x[0], 0)
        elif op == "Sigmoid":
            y = 1 / (1 + np.exp(-x[0]))
        else:
            raise NotImplementedError(f"{op} (node {node.name}) is not part of hello_deepa")
        values[node.output[0]] = np.asarray(y, dtype=np.float32)
    return [values[o.name] for o in model.graph.output]


def main():
    model = onnx.load(os.path.join(HERE, "hello_deepa.onnx"))
    rng = np.random.default_rng(20240601)
    x = rng.standard_normal((4, 25, 96)).astype(np.float32)
    (y,) = run(model, {model.graph.input[0].name: x})
    np.save(os.path.join(HERE, "hello_deepa_input.npy"), x)
    np.save(os.path.join(HERE, "hello_deepa_output.npy"), y.astype(np.float32))
    print("output", y.ravel())


if __name__ == "__main__":
    main()
