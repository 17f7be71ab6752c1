using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;

namespace Noether.IO.Tests;

/// <summary>
/// LSTM and GRU: ONNX semantics in every direction and option, compared with ONNX Runtime; PyTorch's batch_first
/// export pattern (transposes around a layout-0 node); exported back and run again; clear errors for the rest.
/// </summary>
public class OnnxRecurrentImportTests
{
    private const double Tolerance = 2e-5;
    private const int Batch = 3, Steps = 4, InputSize = 3, Hidden = 5;

    private static float[] Random(int n, int seed, float scale = 0.5f) => Tensor<float>.RandomNormal(new Rng((ulong)seed), [n]).ToArray().Select(v => v * scale).ToArray();

    private static Tensor<float> Feed(int seed, params int[] shape) => Tensor<float>.RandomNormal(new Rng((ulong)seed), shape);

    /// <summary>Gives the node of type <paramref name="op"/> the listed outputs ("" for absent ones).</summary>
    private static ModelProto WithOutputs(ModelProto m, string op, params string[] outputs)
    {
        var n = m.Graph.Node.Single(k => k.OpType == op);
        n.Output.Clear();
        n.Output.AddRange(outputs);
        return m;
    }

    /// <summary>W, R and B of an LSTM (4 gates) or GRU (3 gates) with <paramref name="dirs"/> directions.</summary>
    private static OnnxModelBuilder Weights(OnnxModelBuilder b, int gates, int dirs, int inputSize, string prefix = "rnn", bool bias = true, int seed = 10)
    {
        b.Floats($"{prefix}.W", [dirs, gates * Hidden, inputSize], Random(dirs * gates * Hidden * inputSize, seed))
         .Floats($"{prefix}.R", [dirs, gates * Hidden, Hidden], Random(dirs * gates * Hidden * Hidden, seed + 1));
        if (bias) b.Floats($"{prefix}.B", [dirs, 2 * gates * Hidden], Random(dirs * 2 * gates * Hidden, seed + 2));
        return b;
    }

    public static TheoryData<string, string> LstmCases => new()
    {
        { "forward", "" }, { "reverse", "" }, { "bidirectional", "" }, { "forward", "no_bias" }, { "bidirectional", "initial" },
        { "reverse", "peepholes" }, { "bidirectional", "peepholes_initial" }, { "forward", "sequence_lens" },
    };

    /// <summary>
    /// A batch-first model around one recurrent node: [N, T, I] → Transpose → op (layout 0) → Y, Y_h (and Y_c) moved
    /// back to the batch first. With <paramref name="layout"/> 1 the node reads and writes batch-first tensors itself.
    /// </summary>
    private static ModelProto Model(string op, string direction, string variant, long layout, long linearBeforeReset = 0)
    {
        bool lstm = op == "LSTM";
        int dirs = direction == "bidirectional" ? 2 : 1;
        var b = Weights(new OnnxModelBuilder(14).Input("x", -1, Steps, InputSize), lstm ? 4 : 3, dirs, InputSize, bias: variant != "no_bias");
        if (layout == 0) b.Node("Transpose", ["x"], "xt", ("perm", new long[] { 1, 0, 2 }));
        var inputs = new List<string> { layout == 0 ? "xt" : "x", "rnn.W", "rnn.R", variant == "no_bias" ? "" : "rnn.B" };
        if (variant == "sequence_lens")
        {
            var lens = new TensorProto { Name = "lens", DataType = (int)TensorProto.Types.DataType.Int32, Dims = { Batch } };
            lens.Int32Data.AddRange(Enumerable.Repeat(Steps, Batch));
            b.Initializer(lens);
            inputs.Add("lens");
        }
        else inputs.Add("");
        if (variant.Contains("initial"))
        {
            // The same state for every sample, stored per sample as ONNX requires: [D, N, H] (layout 0) or [N, D, H].
            float[] State(int seed)
            {
                var h = Random(dirs * Hidden, seed);
                return layout == 1 ? Enumerable.Repeat(h, Batch).SelectMany(v => v).ToArray()
                    : Enumerable.Range(0, dirs).SelectMany(d => Enumerable.Repeat(h[(d * Hidden)..((d + 1) * Hidden)], Batch).SelectMany(v => v)).ToArray();
            }
            long[] shape = layout == 1 ? [Batch, dirs, Hidden] : [dirs, Batch, Hidden];
            b.Floats("h0", shape, State(20));
            inputs.Add("h0");
            if (lstm) { b.Floats("c0", shape, State(21)); inputs.Add("c0"); }
        }
        if (variant.Contains("peepholes"))
        {
            while (inputs.Count < 7) inputs.Add("");
            b.Floats("rnn.P", [dirs, 3 * Hidden], Random(dirs * 3 * Hidden, 22));
            inputs.Add("rnn.P");
        }
        var attributes = new List<(string, object)> { ("hidden_size", (long)Hidden), ("direction", direction), ("layout", layout) };
        if (!lstm) attributes.Add(("linear_before_reset", linearBeforeReset));
        b.Node(op, inputs.ToArray(), "Y", attributes.ToArray());
        string[] outputs = lstm ? ["y", "y_h", "y_c"] : ["y", "y_h"];
        foreach (var o in outputs)
            if (layout == 0) b.Node("Transpose", [o.ToUpperInvariant()], o, ("perm", o == "y" ? new long[] { 2, 0, 1, 3 } : new long[] { 1, 0, 2 }));
            else b.Node("Identity", [o.ToUpperInvariant()], o);
        foreach (var o in outputs) b.Output(o);
        return WithOutputs(b.Build(), op, outputs.Select(o => o.ToUpperInvariant()).ToArray());
    }

    [Theory, MemberData(nameof(LstmCases))]
    public void LstmMatchesOnnxRuntime(string direction, string variant)
    {
        var model = Model("LSTM", direction, variant, layout: 0);
        var x = Feed(1, Batch, Steps, InputSize);
        OnnxRuntimeOracle.AssertAgrees(model, Tolerance, x);
        var net = OnnxRuntimeOracle.AssertRoundTrips(model, Tolerance, sameOps: false, x);
        var lstm = net.Graph.Nodes.Single(n => n.Op is LstmOp);
        Assert.Equal("rnn", lstm.Name);
        Assert.Contains($"rnn.weight_hh_f{(direction == "bidirectional" ? "_reverse" : "")}", net.Graph.Parameters.Select(p => p.Name));
        Assert.Equal(variant.Contains("initial"), net.Graph.Parameters.Any(p => p.Name == "rnn.initial_c"));
        // Layout 1 (which ONNX Runtime's CPU kernels refuse) reads the same weights to the same outputs.
        var batchwise = OnnxImporter.Import<float>(Model("LSTM", direction, variant, layout: 1), "layout1.onnx").Predict(x);
        var timeMajor = net.Predict(x);
        for (int i = 0; i < 3; i++) Assert.Equal(0.0, batchwise[i].Cast<double>().MaxAbsDiff(timeMajor[i].Cast<double>()), 6);
    }

    [Theory]
    [InlineData("forward", 0, "")]
    [InlineData("forward", 1, "no_bias")]
    [InlineData("reverse", 0, "initial")]
    [InlineData("bidirectional", 1, "initial")]
    [InlineData("bidirectional", 0, "sequence_lens")]
    public void GruMatchesOnnxRuntime(string direction, long linearBeforeReset, string variant)
    {
        var model = Model("GRU", direction, variant, layout: 0, linearBeforeReset);
        var x = Feed(2, Batch, Steps, InputSize);
        OnnxRuntimeOracle.AssertAgrees(model, Tolerance, x);
        var net = OnnxRuntimeOracle.AssertRoundTrips(model, Tolerance, x);
        Assert.Equal(linearBeforeReset != 0, ((GruOp)net.Graph.Nodes.Single(n => n.Op is GruOp).Op).LinearBeforeReset);
        var batchwise = OnnxImporter.Import<float>(Model("GRU", direction, variant, layout: 1, linearBeforeReset), "layout1.onnx").Predict(x);
        var timeMajor = net.Predict(x);
        for (int i = 0; i < 2; i++) Assert.Equal(0.0, batchwise[i].Cast<double>().MaxAbsDiff(timeMajor[i].Cast<double>()), 6);
    }

    /// <summary>
    /// What torch.onnx writes for a batch_first two-layer LSTM/GRU: Transpose to [T, N, I], zero initial states of
    /// shape [D, N, H] built from Shape(x), layout-0 nodes, Squeeze (one direction) or Transpose + Reshape (two)
    /// between layers, Transpose back to [N, T, D·H], and h_n[-1] read from the layers' states joined with Concat.
    /// </summary>
    [Theory]
    [InlineData("LSTM", false)]
    [InlineData("LSTM", true)]
    [InlineData("GRU", false)]
    [InlineData("GRU", true)]
    public void PyTorchBatchFirstExportsMatchOnnxRuntime(string op, bool bidirectional)
    {
        int dirs = bidirectional ? 2 : 1, gates = op == "LSTM" ? 4 : 3;
        var b = new OnnxModelBuilder(13).Input("x", -1, Steps, InputSize)
            .Scalar("zero", 0).Longs("axes0", 0).Longs("dirs", 2 * dirs).Longs("hidden", Hidden).Longs("axes1", 1).Longs("flat", 0, 0, -1).Scalar("last", -1)
            .Longs("cut0", 0).Longs("cut1", dirs).Longs("cut2", 2 * dirs)
            .Node("Shape", ["x"], "shape").Node("Gather", ["shape", "zero"], "n", ("axis", 0L)).Node("Unsqueeze", ["n", "axes0"], "n1")
            .Node("Concat", ["dirs", "n1", "hidden"], "state_shape", ("axis", 0L)).Node("ConstantOfShape", ["state_shape"], "zeros")
            .Node("Slice", ["zeros", "cut0", "cut1", "axes0"], "zeros0").Node("Slice", ["zeros", "cut1", "cut2", "axes0"], "zeros1")
            .Node("Transpose", ["x"], "xt", ("perm", new long[] { 1, 0, 2 }));
        Weights(b, gates, dirs, InputSize, "l0", seed: 40);
        Weights(b, gates, dirs, dirs * Hidden, "l1", seed: 50);
        string Layer(int k, string input)
        {
            var ins = op == "LSTM" ? new[] { input, $"l{k}.W", $"l{k}.R", $"l{k}.B", "", $"zeros{k}", $"zeros{k}" } : [input, $"l{k}.W", $"l{k}.R", $"l{k}.B", "", $"zeros{k}"];
            var attrs = new List<(string, object)> { ("hidden_size", (long)Hidden), ("direction", bidirectional ? "bidirectional" : "forward") };
            if (op == "GRU") attrs.Add(("linear_before_reset", 1L));
            b.Node(op, ins, $"y{k}", attrs.ToArray());
            if (!bidirectional) { b.Node("Squeeze", [$"y{k}", "axes1"], $"s{k}"); return $"s{k}"; }
            b.Node("Transpose", [$"y{k}"], $"t{k}", ("perm", new long[] { 0, 2, 1, 3 })).Node("Reshape", [$"t{k}", "flat"], $"s{k}");
            return $"s{k}";
        }
        var top = Layer(1, Layer(0, "xt"));
        var model = b.Node("Transpose", [top], "out", ("perm", new long[] { 1, 0, 2 })).Node("Concat", ["h0", "h1"], "h_n", ("axis", 0L)).Node("Gather", ["h_n", "last"], "h_last", ("axis", 0L))
            .Output("out").Output("h_last").Build();
        for (int k = 0; k < 2; k++) model.Graph.Node.Where(n => n.OpType == op).ElementAt(k).Output.Add($"h{k}");
        var x = Feed(3, Batch, Steps, InputSize);
        OnnxRuntimeOracle.AssertAgrees(model, Tolerance, x);
        var net = OnnxImporter.Import<float>(model, "m.onnx");
        Assert.Equal(2, net.Graph.Nodes.Count(n => n.Op is LstmOp or GruOp));
        Assert.DoesNotContain(net.Graph.Parameters, p => p.Name.Contains("initial"));
        OnnxRuntimeOracle.AssertRoundTrips(model, Tolerance, sameOps: false, x);
    }

    /// <summary>
    /// The zoo's real torch.onnx exports (a two-layer batch_first LSTM, a bidirectional GRU) against their PyTorch
    /// float64 goldens. Their sequence axis is dynamic, which the IR does not have yet: it is pinned to the input's length.
    /// </summary>
    [Theory]
    [InlineData("lstm", 2)]
    [InlineData("gru", 1)]
    public void PyTorchExportsOfTheZooMatchTheirGoldensWithTheSequencePinned(string name, int layers)
    {
        var zoo = OnnxZoo.ZooManifest.Get(name);
        var model = OnnxFile.ReadModel(OnnxZoo.ZooManifest.PathOf(zoo.File));
        var path = OnnxZoo.ZooManifest.PathOf(zoo.Inputs.Single().File);
        model.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue = Npy.Read<float>(path).Dim(1);
        var golden = Npy.Read<double>(OnnxZoo.ZooManifest.PathOf(zoo.Outputs.Single().Golden));
        var y32 = OnnxImporter.Import<float>(model, zoo.File).Predict(Npy.Read<float>(path))[0].Cast<double>();
        var net = OnnxImporter.Import<double>(model, zoo.File);
        var y64 = net.Predict(Npy.Read<double>(path))[0];
        Assert.Equal(layers, net.Graph.Nodes.Count(n => n.Op is LstmOp or GruOp));
        Assert.True(OnnxZoo.ZooDriver.RelativeDifference(y32, golden) <= 1e-5, $"float32: {OnnxZoo.ZooDriver.RelativeDifference(y32, golden):E2} relative");
        Assert.True(OnnxZoo.ZooDriver.RelativeDifference(y64, golden) <= 1e-9, $"float64: {OnnxZoo.ZooDriver.RelativeDifference(y64, golden):E2} relative");
    }

    [Fact]
    public void WhatTheIrCannotExpressIsOpaqueAndFailsClearlyInStrictMode()
    {
        // Every form below loads with opaque nodes (see WhatTheIrCannotExpressRunsOnOnnxRuntime); strict mode refuses it.
        OnnxImportException Import(Action<OnnxModelBuilder> build)
        {
            var b = Weights(new OnnxModelBuilder(14), 4, 1, InputSize);
            build(b);
            return OrtOracle.StrictRefusal(b.Output("y").Build(), "rnn.onnx");
        }
        // A time-major graph input: axis 0 is the sequence.
        var timeMajor = Import(b => b.Input("x", Steps, Batch, InputSize).Node("LSTM", ["x", "rnn.W", "rnn.R"], "y", ("hidden_size", (long)Hidden)));
        Assert.Equal(OnnxImportError.BatchAxis, timeMajor.Error);
        Assert.Contains("batch_first", timeMajor.Message);
        Assert.Contains("rnn.onnx", timeMajor.Message);
        var relu = new AttributeProto { Name = "activations", Type = AttributeProto.Types.AttributeType.Strings };
        relu.Strings.AddRange(new[] { "Relu", "Tanh", "Tanh" }.Select(Google.Protobuf.ByteString.CopyFromUtf8));
        var custom = Weights(new OnnxModelBuilder(14), 4, 1, InputSize).Input("x", -1, Steps, InputSize)
            .Node("LSTM", ["x", "rnn.W", "rnn.R"], "y", ("layout", 1L)).Output("y").Build();
        custom.Graph.Node[0].Attribute.Add(relu);
        var act = OrtOracle.StrictRefusal(custom, "act.onnx");
        Assert.Equal(OnnxImportError.UnsupportedVariant, act.Error);
        Assert.Contains("relu", act.Message);
        var clip = Import(b => b.Input("x", -1, Steps, InputSize).Node("LSTM", ["x", "rnn.W", "rnn.R"], "y", ("hidden_size", (long)Hidden), ("layout", 1L), ("clip", 3f)));
        Assert.Equal(OnnxImportError.UnsupportedVariant, clip.Error);
        var lens = Import(b => b.Input("x", -1, Steps, InputSize).Longs("lens", 4, 2, 4).Node("LSTM", ["x", "rnn.W", "rnn.R", "", "lens"], "y", ("layout", 1L)));
        Assert.Equal(OnnxImportError.UnsupportedVariant, lens.Error);
        Assert.Contains("sequence_lens", lens.Message);
        // The time-major output of a layout-0 LSTM cannot be a graph output.
        var moved = Import(b => b.Input("x", -1, Steps, InputSize).Node("Transpose", ["x"], "xt", ("perm", new long[] { 1, 0, 2 }))
            .Node("LSTM", ["xt", "rnn.W", "rnn.R"], "y", ("hidden_size", (long)Hidden)));
        Assert.Equal(OnnxImportError.BatchAxis, moved.Error);
        Assert.Contains("'y'", moved.Message);
        // Nor can an op without a per-sample reading read it (a Relu runs per sample and leaves it at the output).
        var elementwise = OrtOracle.StrictRefusal(new OnnxModelBuilder(13).Input("x", -1, 2, 3)
            .Node("Transpose", ["x"], "t", ("perm", new long[] { 1, 0, 2 })).Node("Sin", ["t"], "y").Output("y").Build(), "t.onnx");
        Assert.Equal(OnnxImportError.BatchAxis, elementwise.Error);
        Assert.Contains("Sin", elementwise.Message);
    }

    [Fact]
    public void WhatTheIrCannotExpressRunsOnOnnxRuntime()
    {
        var x = OrtOracle.Input(21, 1, Batch, Steps, InputSize);
        // A cell clip has no IR counterpart: the LSTM is opaque, and reads the time-major input (ONNX Runtime runs
        // layout 0 only) through one opaque Transpose, its batch on axis 1.
        var clip = Weights(new OnnxModelBuilder(14), 4, 1, InputSize).Input("x", -1, Steps, InputSize)
            .Node("Transpose", ["x"], "xt", ("perm", new long[] { 1, 0, 2 }))
            .Node("LSTM", ["xt", "rnn.W", "rnn.R"], "y", ("hidden_size", (long)Hidden), ("clip", 0.5f)).Output("y").Build();
        var clipped = OrtOracle.AssertOpaqueRunsOnOnnxRuntime(clip, ["Transpose", "LSTM"], 1e-5, x);
        Assert.Equal([1, 2], clipped.Graph.Nodes.Select(n => ((OpaqueOp)n.Op).BatchAxis));
        // The batch moved to axis 1 is carried into the layout-0 LSTM (an LstmOp); only its time-major output, a graph
        // output, is written through one opaque Transpose that puts the batch back where the model holds it (axis 2).
        var moved = Weights(new OnnxModelBuilder(14), 4, 1, InputSize).Input("x", -1, Steps, InputSize)
            .Node("Transpose", ["x"], "xt", ("perm", new long[] { 1, 0, 2 }))
            .Node("LSTM", ["xt", "rnn.W", "rnn.R"], "y", ("hidden_size", (long)Hidden)).Output("y").Build();
        var net = OrtOracle.AssertOpaqueRunsOnOnnxRuntime(moved, ["Transpose"], 1e-5, x);
        Assert.Single(net.Graph.Nodes, n => n.Op is LstmOp);
        Assert.Equal(2, ((OpaqueOp)net.Graph.Producer(net.Graph.Outputs[0])!.Op).BatchAxis);
    }
}
