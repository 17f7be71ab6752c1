using Noether.IO;
using Noether.IO.Tests;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// An opaque node (an imported ONNX op the IR does not understand) fixes the spaces it touches and nothing else:
/// x → fc1 → ReLU → fc2 → ReLU → CumSum (opaque) → fc3 → ReLU → fc4. The hidden spaces of fc1 and fc3 keep their
/// permutation-and-scaling group; fc2's output and fc3's input, next to the CumSum, are fixed. ONNX Runtime, running
/// the exported models, is the judge both ways.
/// </summary>
public class OpaqueSymmetryTests
{
    private static float[] Values(int n, int seed)
        => Tensor<double>.RandomNormal(new Rng((ulong)seed), 0.0, 0.6, n).ToArray().Select(v => (float)v).ToArray();

    private static string Build(TempDir dir) => new OnnxModelBuilder(13).Input("x", -1, 4)
        .Floats("fc1.weight", [5, 4], Values(20, 1)).Floats("fc1.bias", [5], Values(5, 2))
        .Floats("fc2.weight", [6, 5], Values(30, 3)).Floats("fc2.bias", [6], Values(6, 4))
        .Floats("fc3.weight", [5, 6], Values(30, 5)).Floats("fc3.bias", [5], Values(5, 6))
        .Floats("fc4.weight", [3, 5], Values(15, 7)).Floats("fc4.bias", [3], Values(3, 8)).Scalar("axis", 1)
        .Node("Gemm", ["x", "fc1.weight", "fc1.bias"], "h1", ("transB", 1L)).Node("Relu", ["h1"], "a1")
        .Node("Gemm", ["a1", "fc2.weight", "fc2.bias"], "h2", ("transB", 1L)).Node("Relu", ["h2"], "a2")
        .Node("CumSum", ["a2", "axis"], "c").Node("Gemm", ["c", "fc3.weight", "fc3.bias"], "h3", ("transB", 1L)).Node("Relu", ["h3"], "a3")
        .Node("Gemm", ["a3", "fc4.weight", "fc4.bias"], "y", ("transB", 1L)).Output("y").Save(dir);

    private static double[] RunExported(Model<double> model, TempDir dir, string name, double[] x)
    {
        var path = dir.File(name);
        OnnxExporter.Save(model, path);
        return OrtFileOracle.Run(path, ("x", x, [x.Length / 4, 4]))[0].Values;
    }

    private static double MaxDiff(double[] a, double[] b) => a.Zip(b).Max(t => Math.Abs(t.First - t.Second));

    [Fact]
    public void TheGroupAwayFromTheOpaqueNodeSurvivesAndTheSpacesNextToItAreFixed()
    {
        using var dir = new TempDir();
        var model = OnnxImporter.Load<double>(Build(dir));
        var opaque = Assert.Single(model.Graph.Nodes, n => n.Op is OpaqueOp);
        var spec = SymmetryDeriver.Derive(model.Graph);

        // The note names the node and its op; only fc1's and fc3's output spaces carry a group.
        Assert.Contains(spec.Notes, n => n.Contains($"'{opaque.Name}'") && n.Contains("CumSum"));
        var moved = spec.Factors.SelectMany(f => f.Bindings).Select(b => (b.Parameter, b.Axis)).ToHashSet();
        Assert.Contains(("fc1.weight", 0), moved);
        Assert.Contains(("fc2.weight", 1), moved);
        Assert.Contains(("fc3.weight", 0), moved);
        Assert.Contains(("fc4.weight", 1), moved);
        Assert.DoesNotContain(("fc2.weight", 0), moved);
        Assert.DoesNotContain(("fc2.bias", 0), moved);
        Assert.DoesNotContain(("fc3.weight", 1), moved);
        Assert.Equal([5, 5], spec.Factors.Select(f => f.Channels));

        var x = Values(24, 9).Select(v => (double)v).ToArray();
        var reference = RunExported(model, dir, "original.onnx", x);
        var rng = new Rng(11);
        for (int trial = 0; trial < 3; trial++)
        {
            var transformed = GroupAction.Apply(model, spec, spec.Random(rng));
            Assert.True(transformed["fc1.weight"].MaxAbsDiff(model["fc1.weight"]) > 1e-3, "the sampled element moved nothing");
            double diff = MaxDiff(reference, RunExported(transformed, dir, $"transformed{trial}.onnx", x));
            Assert.True(diff <= 1e-9, $"an element of the reported group changed the function by {diff:E2}");
        }
    }

    [Fact]
    public void APermutationAcrossTheOpaqueNodeChangesTheFunction()
    {
        using var dir = new TempDir();
        var model = OnnxImporter.Load<double>(Build(dir));
        var x = Values(24, 9).Select(v => (double)v).ToArray();
        var reference = RunExported(model, dir, "original.onnx", x);
        int[] perm = [1, 0, 3, 2, 5, 4];
        // Rows of fc2 (and its bias) and columns of fc3 permuted alike: ReLU would commute with this, CumSum does not.
        var p = new Dictionary<string, Tensor<double>>(model.Parameters)
        {
            ["fc2.weight"] = Rows(model["fc2.weight"], perm),
            ["fc2.bias"] = Rows(model["fc2.bias"].Reshape(6, 1), perm).Reshape(6),
            ["fc3.weight"] = Rows(model["fc3.weight"].Transpose().Contiguous(), perm).Transpose().Contiguous(),
        };
        double diff = MaxDiff(reference, RunExported(model.WithParameters(p), dir, "permuted.onnx", x));
        Assert.True(diff > 1e-3, $"a permutation across the CumSum changed the outputs by only {diff:E2}");

        // Control: the same permutation on fc1's outputs (rows of fc1, columns of fc2, sizes 5) keeps the function.
        int[] perm5 = [1, 0, 3, 2, 4];
        var q = new Dictionary<string, Tensor<double>>(model.Parameters)
        {
            ["fc1.weight"] = Rows(model["fc1.weight"], perm5),
            ["fc1.bias"] = Rows(model["fc1.bias"].Reshape(5, 1), perm5).Reshape(5),
            ["fc2.weight"] = Rows(model["fc2.weight"].Transpose().Contiguous(), perm5).Transpose().Contiguous(),
        };
        Assert.True(MaxDiff(reference, RunExported(model.WithParameters(q), dir, "control.onnx", x)) <= 1e-9);
    }

    private static Tensor<double> Rows(Tensor<double> m, int[] perm)
    {
        int cols = m.Dim(1);
        var data = m.Contiguous().ToArray();
        var result = new double[data.Length];
        for (int i = 0; i < perm.Length; i++) Array.Copy(data, perm[i] * cols, result, i * cols, cols);
        return new Tensor<double>(result, m.Dim(0), cols);
    }
}
