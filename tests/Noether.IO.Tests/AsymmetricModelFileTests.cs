using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// W- and σ-asymmetric models in files: safetensors (the graph JSON carries the seeds) reloads bit for bit, and the
/// ONNX export (effective weights, FiGLU as Conv/MatMul → Sigmoid → Mul) agrees with ONNX Runtime and re-imports.
/// </summary>
public class AsymmetricModelFileTests
{
    public static TheoryData<string> Names => new() { "mlp-w", "mlp-sigma", "cnn-w", "cnn-sigma", "resnet-w" };

    private static Graph Build(string name)
    {
        var kind = name.EndsWith("-w") ? AsymmetryKind.W : AsymmetryKind.Sigma;
        var asym = new Asymmetry(kind, FrozenPerRow: 3, Kappa: 0.8, Seed: 21);
        return asym.Apply(name switch
        {
            "mlp-w" or "mlp-sigma" => Builders.Mlp(10, [8, 6], 3, Activation.Gelu, "layernorm"),
            "cnn-w" or "cnn-sigma" => Builders.SmallCnn([2, 8, 8], [3, 4], 5, hidden: 6),
            _ => Builders.ResNet20([3, 8, 8], 4, width: 4, blocksPerStage: 1),
        });
    }

    /// <summary>Initialised, then every trainable entry (the stored frozen ones included) moved, so the export must use the effective weight.</summary>
    private static Model<double> Scrambled(Graph g)
    {
        var rng = new Rng(5);
        var m = Model<double>.Initialize(g, rng);
        return m.WithParameters(g.Parameters.Where(p => p.Trainable).ToDictionary(p => p.Name, p => m[p.Name] + Tensor<double>.RandomNormal(rng, 0.0, 0.2, p.Shape)));
    }

    [Theory, MemberData(nameof(Names))]
    public void SafetensorsReloadsTheGraphAndWeightsBitForBit(string name)
    {
        var g = Build(name);
        var m = Model<float>.Initialize(g, new Rng(3));
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        ModelFiles.Save(m, path);
        var back = ModelFiles.Load<float>(path);
        Assert.Equal(g.Nodes, back.Graph.Nodes);
        foreach (var p in g.Parameters)
        {
            Assert.Equal(m[p.Name].ToArray().Select(BitConverter.SingleToInt32Bits), back[p.Name].ToArray().Select(BitConverter.SingleToInt32Bits));
            if (FrozenWeight.Of(p.Slot) is { } pattern) Assert.True(pattern.Holds(back[p.Name]));
        }
        var x = Tensor<float>.RandomNormal(new Rng(4), [2, .. g.Inputs[0].Shape]);
        Assert.Equal(m.Predict(x)[0].ToArray(), back.Predict(x)[0].ToArray());
    }

    [Theory, MemberData(nameof(Names))]
    public void OnnxExportAgreesWithOnnxRuntimeAndReimports(string name)
    {
        var g = Build(name);
        var model = Scrambled(g);
        using var dir = new TempDir();
        var path = dir.File("m.onnx");
        OnnxExporter.Save(model.Cast<float>(), path);
        var x = Tensor<double>.RandomNormal(new Rng(9), [3, .. g.Inputs[0].Shape]);
        var ours = model.Cast<float>().Predict(x.Cast<float>())[0].ToArray();
        var ort = OrtFileOracle.Run(path, (g.Inputs[0].Name, x.Cast<float>().ToArray(), x.ShapeArray().Select(d => (long)d).ToArray()));
        Assert.Equal(ours.Length, ort[0].Values.Length);
        for (int i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - ort[0].Values[i]) <= 1e-4 * Math.Max(1, Math.Abs(ours[i])), $"{name}[{i}]: Noether {ours[i]}, ONNX Runtime {ort[0].Values[i]}");
        OnnxExporter.Save(model, dir.File("m64.onnx"));
        var back = OnnxImporter.Load<double>(dir.File("m64.onnx"));
        Assert.True(model.Predict(x)[0].MaxAbsDiff(back.Predict(x)[0]) <= 1e-12);
    }
}
