using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests.OnnxZoo;

/// <summary>
/// timm's ViT attention (qkv reshape + permute(2, 0, 3, 1, 4) + unbind) and nn.MultiheadAttention (batch moved to
/// axis 1, heads merged into it, packed in_proj sliced, q divided by √d_k) import as one AttentionOp per layer; the
/// executor agrees with ONNX Runtime on them; weights written back into the file after a per-head map keep the
/// function on ONNX Runtime when the map is a symmetry, and change it when it is applied to one side only.
/// </summary>
public sealed class ZooAttentionExportTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("vit_timm")]
    [InlineData("mha_encoder")]
    public void EveryAttentionLayerFusesAndNothingStaysOpaque(string name)
    {
        var model = OnnxImporter.Load<double>(ZooManifest.PathOf(ZooManifest.Get(name).File));
        var attention = model.Graph.Nodes.Where(n => n.Op is AttentionOp).Select(n => (AttentionOp)n.Op).ToArray();
        Assert.Equal([new AttentionOp(16, 2, 2, false, true), new AttentionOp(16, 2, 2, false, true)], attention);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Op is OpaqueOp or MatMulOp or SoftmaxOp);
    }

    [Theory]
    [InlineData("vit_timm")]
    [InlineData("mha_encoder")]
    public void ExecutorAgreesWithOnnxRuntimeOnTheFusedGraph(string name)
    {
        var zoo = ZooManifest.Get(name);
        var input = Npy.Read<double>(ZooManifest.PathOf(zoo.Inputs[0].File));
        // The sequence (mha_encoder's only symbolic size besides the batch) pinned to the input's.
        var options = OnnxImportOptions.WithDims(OnnxImporter.SymbolicDims(ZooManifest.PathOf(zoo.File)).ToDictionary(kv => kv.Key, kv => input.Dim(kv.Value.Axis)));
        var model = OnnxImporter.Load<double>(ZooManifest.PathOf(zoo.File), options);
        var ours = model.Predict(input)[0];
        var ort = OnnxRuntime(ZooManifest.PathOf(zoo.File), zoo);
        Assert.Equal(ort.ShapeArray(), ours.ShapeArray());
        Assert.True(ZooDriver.RelativeDifference(ours, ort) <= 1e-5, $"{name}: {ZooDriver.RelativeDifference(ours, ort):E2}");
    }

    public enum Edit { QkSymmetry, QOnly, VoSymmetry, HeadsInQOnly, HeadsEverywhere }

    [Theory]
    [InlineData("vit_timm", Edit.QkSymmetry, false)]
    [InlineData("vit_timm", Edit.QOnly, true)]
    [InlineData("vit_timm", Edit.VoSymmetry, false)]
    [InlineData("vit_timm", Edit.HeadsInQOnly, true)]
    [InlineData("vit_timm", Edit.HeadsEverywhere, false)]
    [InlineData("mha_encoder", Edit.QkSymmetry, false)]
    [InlineData("mha_encoder", Edit.QOnly, true)]
    [InlineData("mha_encoder", Edit.VoSymmetry, false)]
    [InlineData("mha_encoder", Edit.HeadsInQOnly, true)]
    [InlineData("mha_encoder", Edit.HeadsEverywhere, false)]
    public void WrittenBackPerHeadMapsKeepTheFunctionExactlyWhenTheyAreSymmetries(string name, Edit edit, bool changes)
    {
        var zoo = ZooManifest.Get(name);
        string path = ZooManifest.PathOf(zoo.File);
        var model = OnnxImporter.Load<double>(path);
        var node = model.Graph.Nodes.First(n => n.Op is AttentionOp);
        var p = model.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value);
        Tensor<double> P(string role) => p[$"{node.Name}.{role}"];
        int dk = 8;
        var rng = new Random(5);
        var a = new Tensor<double>(dk, dk);
        for (int i = 0; i < dk; i++) for (int j = 0; j < dk; j++) a[i, j] = (i == j ? 1.5 : 0) + 0.3 * (rng.NextDouble() - 0.5);
        var inverse = Inverse(a);
        // Head 1's rows [dk, 2·dk) of a projection (and its bias) mapped by m.
        void Rows(string proj, Tensor<double> m)
        {
            foreach (var role in new[] { $"{proj}.weight", $"{proj}.bias" })
            {
                var t = P(role);
                var block = t.Slice(0, dk, 2 * dk).Contiguous();
                var mapped = role.EndsWith("bias") ? m.MatMul(block.Reshape(dk, 1)).Reshape(dk) : m.MatMul(block);
                p[$"{node.Name}.{role}"] = Cat(0, t.Slice(0, 0, dk).Contiguous(), mapped);
            }
        }
        void SwapHeads(string role, int axis)
        {
            var t = P(role);
            p[$"{node.Name}.{role}"] = Cat(axis, t.Slice(axis, dk, 2 * dk).Contiguous(), t.Slice(axis, 0, dk).Contiguous());
        }
        switch (edit)
        {
            case Edit.QkSymmetry: Rows("q_proj", a); Rows("k_proj", inverse.Transpose().Contiguous()); break;
            case Edit.QOnly: Rows("q_proj", a); break;
            case Edit.VoSymmetry:
                Rows("v_proj", a);
                var o = P("o_proj.weight");
                p[$"{node.Name}.o_proj.weight"] = Cat(1, o.Slice(1, 0, dk).Contiguous(), o.Slice(1, dk, 2 * dk).Contiguous().MatMul(inverse));
                break;
            case Edit.HeadsInQOnly: SwapHeads("q_proj.weight", 0); SwapHeads("q_proj.bias", 0); break;
            case Edit.HeadsEverywhere:
                foreach (var proj in new[] { "q_proj", "k_proj", "v_proj" }) { SwapHeads($"{proj}.weight", 0); SwapHeads($"{proj}.bias", 0); }
                SwapHeads("o_proj.weight", 1);
                break;
        }
        string written = _dir.File($"{name}-{edit}.onnx");
        Assert.Null(OnnxWriteBack.TrySave(path, new Model<double>(model.Graph, p), written));
        var before = OnnxRuntime(path, zoo);
        var after = OnnxRuntime(written, zoo);
        double rel = ZooDriver.RelativeDifference(after, before);
        if (changes) Assert.True(rel > 1e-3, $"{name} {edit}: only {rel:E2} relative");
        else Assert.True(rel <= 1e-5, $"{name} {edit}: {rel:E2} relative");
    }

    private static Tensor<double> OnnxRuntime(string path, ZooModel zoo)
    {
        using var engine = OnnxRuntimeEngine.Open(path);
        var feeds = zoo.Inputs.ToDictionary(i => i.Name, i => NpyArrays.Read(ZooManifest.PathOf(i.File)));
        return engine.Run(feeds)[0].Value.ToTensor<double>();
    }

    /// <summary>Two 1-D or 2-D tensors joined along an axis.</summary>
    private static Tensor<double> Cat(int axis, Tensor<double> a, Tensor<double> b)
    {
        if (a.Rank == 1) return Tensor<double>.FromArray([.. a.ToArray(), .. b.ToArray()], a.Dim(0) + b.Dim(0));
        var (x, y) = axis == 0 ? (a, b) : (a.Transpose().Contiguous(), b.Transpose().Contiguous());
        var joined = Tensor<double>.FromArray([.. x.ToArray(), .. y.ToArray()], x.Dim(0) + y.Dim(0), x.Dim(1));
        return axis == 0 ? joined : joined.Transpose().Contiguous();
    }

    private static Tensor<double> Inverse(Tensor<double> a)
    {
        int n = a.Dim(0);
        var m = new double[n, 2 * n];
        for (int i = 0; i < n; i++) { for (int j = 0; j < n; j++) m[i, j] = a[i, j]; m[i, n + i] = 1; }
        for (int c = 0; c < n; c++)
        {
            int pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(m[r, c]));
            for (int j = 0; j < 2 * n; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            double d = m[c, c];
            for (int j = 0; j < 2 * n; j++) m[c, j] /= d;
            for (int r = 0; r < n; r++)
                if (r != c) { double f = m[r, c]; for (int j = 0; j < 2 * n; j++) m[r, j] -= f * m[c, j]; }
        }
        var inv = new Tensor<double>(n, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) inv[i, j] = m[i, n + j];
        return inv;
    }
}
