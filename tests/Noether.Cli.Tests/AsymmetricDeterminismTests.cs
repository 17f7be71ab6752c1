using Noether.IO;
using Noether.IO.Tests;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>
/// Fixed weights of asymmetric models are identical across processes for one seed (unlike the anchor's salted
/// <c>hash()</c>), and are stored with the model: written by one process, re-saved by another, compared bit for bit
/// with the pattern this process derives from the stored seed.
/// </summary>
public class AsymmetricDeterminismTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<string> Train(string name, string kind, int seed)
    {
        var path = _dir.File(name);
        var (code, _, err) = await ChildProcess.Run("train", "--model", "cnn", "--data", "digits", "--epochs", "0", "--asymmetry", kind,
            "--frozen-per-row", "5", "--kappa", "0.5", "--asym-seed", "77", "--seed", seed.ToString(), "--out", path, "--json");
        Assert.True(code == 0, $"train exited {code}: {err}");
        return path;
    }

    private static uint[] Bits(Tensor<float> t) => t.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray();

    [Fact]
    public async Task FrozenWeightsAreIdenticalAcrossProcessesAndSurviveAReloadElsewhere()
    {
        string a = await Train("a.safetensors", "w", 1), again = await Train("again.safetensors", "w", 1), other = await Train("other.safetensors", "w", 2);
        var ma = ModelFiles.Load<float>(a);
        var mAgain = ModelFiles.Load<float>(again);
        var mOther = ModelFiles.Load<float>(other);
        Assert.Equal(ma.Graph.Nodes, mOther.Graph.Nodes); // the op records (seeds included) travel in the file
        int frozenTensors = 0;
        foreach (var p in ma.Graph.Parameters)
        {
            Assert.Equal(Bits(ma[p.Name]), Bits(mAgain[p.Name])); // same seeds, two processes: bit-identical model
            if (FrozenWeight.Of(p.Slot) is not { } pattern) continue;
            frozenTensors++;
            // This process derives the pattern from the stored seed; both files hold exactly those values.
            var expected = pattern.Values.Select(v => BitConverter.SingleToUInt32Bits((float)v)).ToArray();
            uint[] bitsA = Bits(ma[p.Name]), bitsOther = Bits(mOther[p.Name]);
            Assert.Equal(expected, pattern.Indices.Select(i => bitsA[i]).ToArray());
            Assert.Equal(expected, pattern.Indices.Select(i => bitsOther[i]).ToArray()); // another training seed, same fixed weights
            Assert.NotEqual(bitsA, bitsOther); // while the trainable entries differ
        }
        Assert.Equal(4, frozenTensors);

        // Reload in a new process and save again: every tensor and the architecture come back bit for bit.
        var resaved = _dir.File("resaved.safetensors");
        var (code, _, err) = await ChildProcess.Run("convert", a, resaved);
        Assert.True(code == 0, $"convert exited {code}: {err}");
        var back = ModelFiles.Load<float>(resaved);
        Assert.Equal(ma.Graph.Nodes, back.Graph.Nodes);
        foreach (var p in ma.Graph.Parameters) Assert.Equal(Bits(ma[p.Name]), Bits(back[p.Name]));
    }

    [Fact]
    public async Task FigluMatricesAreIdenticalAcrossProcesses()
    {
        string s = await Train("s.safetensors", "sigma", 3);
        var onnx = _dir.File("s.onnx");
        var (code, _, err) = await ChildProcess.Run("convert", s, onnx);
        Assert.True(code == 0, $"convert exited {code}: {err}");
        var model = ModelFiles.Load<float>(s);
        var proto = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        int checkedOps = 0;
        foreach (var node in model.Graph.Nodes)
        {
            if (node.Op is not FigluOp f) continue;
            bool image = model.Graph.ShapeOf(node.Inputs[0]).Length == 3;
            var init = proto.Graph.Initializer.Single(t => t.Name == $"{node.Name}.{(image ? "F" : "F_t")}");
            var written = init.FloatData.Count > 0 ? init.FloatData.ToArray()
                : Enumerable.Range(0, init.RawData.Length / 4).Select(i => BitConverter.ToSingle(init.RawData.Span.Slice(4 * i, 4))).ToArray();
            var mine = f.MatrixTensor<float>(asKernel: image);
            if (!image) mine = mine.Transpose().Contiguous();
            Assert.Equal(mine.ToArray().Select(BitConverter.SingleToUInt32Bits), written.Select(BitConverter.SingleToUInt32Bits));
            checkedOps++;
        }
        Assert.Equal(3, checkedOps);
    }
}
