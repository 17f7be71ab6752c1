#!/usr/bin/python3
"""Helpers for run.sh (numpy; onnx only for `names`), so the shell script stays readable.

  zoo.py list ZOO_DIR                 one line per model: name, kind, file, input files (comma-separated)
  zoo.py compare ZOO_DIR NAME OUT_DIR  OUT_DIR/output_K.npy against the model's goldens; prints the worst relative
                                      difference; exit 1 when above 1e-5 or when shapes or counts differ
  zoo.py names ORIGINAL WRITTEN       whether WRITTEN kept ORIGINAL's graph name, input, output, node and
                                      initializer names and opset; exit 1 naming the first difference, 3 without onnx
"""
import json
import os
import sys

TOLERANCE = 1e-5


def manifest(zoo):
    with open(os.path.join(zoo, "manifest.json")) as f:
        m = json.load(f)
    return [dict(e, kind=k) for k in ("generated", "real") for e in m[k]]


def cmd_list(zoo):
    for e in manifest(zoo):
        inputs = ",".join(os.path.join(zoo, i["file"]) for i in e["inputs"])
        print("\t".join([e["name"], e["kind"], os.path.join(zoo, e["file"]), inputs]))


def cmd_compare(zoo, name, out_dir):
    import numpy as np
    entry = next(e for e in manifest(zoo) if e["name"] == name)
    produced = sorted(f for f in os.listdir(out_dir) if f.startswith("output_") and f.endswith(".npy"))
    if len(produced) != len(entry["outputs"]):
        print(f"{len(produced)} output file(s), the model has {len(entry['outputs'])} output(s)")
        return 1
    worst = 0.0
    for k, o in enumerate(entry["outputs"]):
        got = np.load(os.path.join(out_dir, f"output_{k}.npy")).astype(np.float64)
        golden = np.load(os.path.join(zoo, o["golden"])).astype(np.float64)
        if got.shape != golden.shape:
            print(f"output {o['name']}: shape {list(got.shape)}, golden {list(golden.shape)}")
            return 1
        scale = np.abs(golden).max()
        rel = float(np.abs(got - golden).max() / (scale if scale > 0 else 1.0))
        if not rel <= TOLERANCE:
            print(f"output {o['name']}: {rel:.2e} relative from the golden (tolerance {TOLERANCE:g})")
            return 1
        worst = max(worst, rel)
    print(f"{worst:.1e}")
    return 0


def untied_copy(name, originals):
    import re
    m = re.fullmatch(r"(.*)[._]untied\d+(_\d+)?", name)
    return m is not None and m.group(1) in originals and name not in originals


def cmd_names(original, written):
    try:
        import onnx
    except ImportError:
        print("python3-onnx is not installed")
        return 3
    a, b = onnx.load(original, load_external_data=False), onnx.load(written, load_external_data=False)
    opset = lambda m: sorted((o.domain or "ai.onnx", o.version) for o in m.opset_import)
    inits = lambda m: {t.name for t in m.graph.initializer}
    checks = [
        ("graph name", a.graph.name, b.graph.name),
        ("inputs", [i.name for i in a.graph.input if i.name not in inits(a)],
         [i.name for i in b.graph.input if i.name not in inits(b)]),
        ("outputs", [o.name for o in a.graph.output], [o.name for o in b.graph.output]),
        ("opset", opset(a), opset(b)),
        ("nodes", sorted(n.name for n in a.graph.node), sorted(n.name for n in b.graph.node)),
        # Every original initializer is kept; a shared one that a transform moved apart per consumer gets copies
        # named ORIGINAL_untiedK / ORIGINAL.untiedK (Noether says so when it writes them).
        ("initializers", sorted(inits(a)), sorted(n for n in inits(b) if not untied_copy(n, inits(a)))),
    ]
    for what, x, y in checks:
        if x != y:
            show = lambda v: (str(v[:4]) + (f" … ({len(v)})" if len(v) > 4 else "")) if isinstance(v, list) else repr(v)
            print(f"{what} differ: {show(x)} became {show(y)}")
            return 1
    print("kept")
    return 0


def cmd_dims(model, *inputs):
    """Prints `--dim SYMBOL=SIZE` for every symbolic non-batch input size, read off the given input files."""
    import numpy as np
    try:
        import onnx
    except ImportError:
        return 0
    m = onnx.load(model, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    graph_inputs = [i for i in m.graph.input if i.name not in inits]
    batch = {d.dim_param for i in graph_inputs for d in i.type.tensor_type.shape.dim[:1] if d.dim_param}
    dims = {}
    for info, path in zip(graph_inputs, inputs):
        shape = np.load(path).shape
        for axis, d in enumerate(info.type.tensor_type.shape.dim):
            if axis == 0 or axis >= len(shape) or d.HasField("dim_value") or d.dim_param in batch and d.dim_param:
                continue
            # An unnamed symbolic size is called INPUT:AXIS by Noether.
            dims.setdefault(d.dim_param or f"{info.name}:{axis}", shape[axis])
    # KNOWN (comma-separated): the symbols Noether declares (`summary --json` "pinned"); others hold a moved batch.
    known = os.environ.get("KNOWN")
    if known is not None:
        dims = {k: v for k, v in dims.items() if k in known.split(",")}
    print(" ".join(f"--dim {k}={v}" for k, v in dims.items()))
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "list":
        return cmd_list(argv[1]) or 0
    if len(argv) == 4 and argv[0] == "compare":
        return cmd_compare(*argv[1:])
    if len(argv) >= 2 and argv[0] == "dims":
        return cmd_dims(*argv[1:])
    if len(argv) == 3 and argv[0] == "names":
        return cmd_names(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
