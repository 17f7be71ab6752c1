using System.Text;
using Noether.Nn;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>How one ONNX node test came out.</summary>
public enum ConformanceOutcome
{
    /// <summary>Imported, ran, and every output matched.</summary>
    Passed,
    /// <summary>In scope but wrong: an output differed, or import or execution failed unexpectedly.</summary>
    Failed,
    /// <summary>
    /// Out of scope by design: an input or output is not a float tensor with a shared batch axis, or the node works
    /// on axis 0, which the graph IR reserves for the batch.
    /// </summary>
    OutOfScope,
    /// <summary>The op type, or the attribute form the test uses, is not supported by the importer.</summary>
    Unsupported,
}

/// <summary>The result of one node test.</summary>
/// <param name="Test">The test directory name (e.g. <c>test_conv_with_strides_padding</c>).</param>
/// <param name="Op">The ONNX op type under test (<c>(expanded)</c> for function-body expansions).</param>
/// <param name="Outcome">Passed, failed, out of scope or unsupported.</param>
/// <param name="Reason">Why it did not pass (null when it passed).</param>
/// <param name="MaxError">Largest |actual − expected| over all outputs when the model ran.</param>
public sealed record ConformanceCase(string Test, string Op, ConformanceOutcome Outcome, string? Reason, double? MaxError);

/// <summary>All cases of a conformance run, with a per-op summary.</summary>
public sealed record ConformanceReport(IReadOnlyList<ConformanceCase> Cases)
{
    /// <summary>Cases by outcome.</summary>
    public IEnumerable<ConformanceCase> With(ConformanceOutcome outcome) => Cases.Where(c => c.Outcome == outcome);

    /// <summary>A Markdown table: one row per op type with at least one case of a supported op.</summary>
    public string FormatTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| op | passed | failed | out of scope | unsupported variant |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var g in Cases.Where(c => c.Reason?.StartsWith(OnnxConformance.UnsupportedOpPrefix) != true).GroupBy(c => c.Op).OrderBy(g => g.Key, StringComparer.Ordinal))
            sb.AppendLine($"| {g.Key} | {g.Count(c => c.Outcome == ConformanceOutcome.Passed)} | {g.Count(c => c.Outcome == ConformanceOutcome.Failed)} | {g.Count(c => c.Outcome == ConformanceOutcome.OutOfScope)} | {g.Count(c => c.Outcome == ConformanceOutcome.Unsupported)} |");
        int unsupportedOps = Cases.Count(c => c.Reason?.StartsWith(OnnxConformance.UnsupportedOpPrefix) == true);
        sb.AppendLine($"| **total** | {With(ConformanceOutcome.Passed).Count()} | {With(ConformanceOutcome.Failed).Count()} | {With(ConformanceOutcome.OutOfScope).Count()} | {With(ConformanceOutcome.Unsupported).Count() - unsupportedOps} |");
        sb.AppendLine();
        sb.AppendLine($"{unsupportedOps} further tests use op types the importer does not map and are not listed.");
        return sb.ToString();
    }
}

/// <summary>
/// Runs ONNX's backend node tests (Debian package <c>libonnx-testdata</c>) through the importer. Each test is a
/// one-node model (or a function expansion) with input and expected output TensorProtos. Inputs that exporters store
/// as initializers (Conv/Gemm weights, norm statistics, shapes, axes, pads, indices) are bound as initializers; the
/// remaining inputs must be float tensors sharing their leading size, which becomes the batch axis.
/// </summary>
public static class OnnxConformance
{
    /// <summary>The Debian package that ships the test data.</summary>
    public const string DebianPackage = "libonnx-testdata";

    /// <summary>Where Debian installs the node tests.</summary>
    public const string DefaultDirectory = "/usr/share/libonnx-testdata/data/node";

    internal const string UnsupportedOpPrefix = "unsupported op type";

    /// <summary>Input slots (by op type) that exporters fill with initializers.</summary>
    private static readonly Dictionary<string, int[]> s_initializerSlots = new()
    {
        ["Conv"] = [1, 2], ["Gemm"] = [1, 2], ["BatchNormalization"] = [1, 2, 3, 4], ["LayerNormalization"] = [1, 2],
        ["Reshape"] = [1], ["Expand"] = [1], ["Pad"] = [1, 2, 3], ["Slice"] = [1, 2, 3, 4], ["Squeeze"] = [1], ["Unsqueeze"] = [1],
        ["ReduceMean"] = [1], ["Gather"] = [1], ["ConstantOfShape"] = [0], ["Where"] = [0], ["Dropout"] = [1, 2],
        ["Clip"] = [1, 2], ["Split"] = [1], ["Range"] = [0, 1, 2], ["If"] = [0],
        ["ConvTranspose"] = [1, 2], ["Resize"] = [1, 2, 3], ["Upsample"] = [1], ["LSTM"] = [1, 2, 3, 4, 5, 6, 7], ["GRU"] = [1, 2, 3, 4, 5],
    };

    /// <summary>Runs every test directory under <paramref name="directory"/> whose name passes <paramref name="filter"/>.</summary>
    public static ConformanceReport Run(string directory = DefaultDirectory, Func<string, bool>? filter = null)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"ONNX node tests not found at {directory}; install the Debian package {DebianPackage} (apt-get install {DebianPackage})");
        var dirs = Directory.GetDirectories(directory, "test_*").Order(StringComparer.Ordinal).Where(d => filter?.Invoke(Path.GetFileName(d)) ?? true).ToArray();
        var models = dirs.ToDictionary(d => d, d => TryRead(Path.Combine(d, "model.onnx")));
        var singleOps = models.Values.Where(m => m?.Graph?.Node.Count == 1).Select(m => m!.Graph.Node[0].OpType).ToHashSet();
        return new ConformanceReport(dirs.Select(d => RunCase(d, models[d], singleOps)).ToArray());
    }

    private static ModelProto? TryRead(string path)
    {
        try { return OnnxFile.ReadModel(path); }
        catch (InvalidDataException) { return null; }
        catch (IOException) { return null; }
    }

    private static ConformanceCase RunCase(string dir, ModelProto? model, IReadOnlySet<string> singleOps)
    {
        string test = Path.GetFileName(dir);
        if (model?.Graph is null) return new(test, "?", ConformanceOutcome.Failed, "model.onnx does not parse", null);
        string op = OpLabel(test, model.Graph, singleOps);
        ConformanceCase Case(ConformanceOutcome o, string? reason, double? err = null) => new(test, op, o, reason, err);
        var missing = model.Graph.Node.Select(n => n.OpType).Where(t => !OnnxImporter.SupportedOps.Contains(t)).Distinct().ToArray();
        if (missing.Length > 0) return Case(ConformanceOutcome.Unsupported, $"{UnsupportedOpPrefix} {string.Join(", ", missing)}");
        if (model.Graph.Input.Concat(model.Graph.Output).Any(v => v.Type?.TensorType is null))
            return Case(ConformanceOutcome.OutOfScope, "inputs or outputs are sequences or optionals, not tensors");
        try
        {
            var set = Path.Combine(dir, "test_data_set_0");
            // Old exporters also list initializers as graph inputs; the test data covers only the others.
            var inputs = ReadTensors(set, "input", model.Graph.Input.Count(i => !model.Graph.Initializer.Any(t => t.Name == i.Name)));
            var expected = ReadTensors(set, "output", model.Graph.Output.Count);
            if (inputs is null || expected is null) return Case(ConformanceOutcome.OutOfScope, "inputs or outputs are not plain tensors (sequences or optionals)");
            var runtime = BindInitializers(model, inputs);
            if (runtime.Count == 0) return Case(ConformanceOutcome.OutOfScope, "no input is computed per sample (every input is a weight or a constant)");
            if (runtime.FirstOrDefault(r => !r.Tensor.IsFloat) is { } nf) return Case(ConformanceOutcome.OutOfScope, $"input '{nf.Name}' has element type {nf.Tensor.Type}, not float");
            if (runtime.FirstOrDefault(r => r.Tensor.Shape.Length == 0) is { } sc) return Case(ConformanceOutcome.OutOfScope, $"input '{sc.Name}' is a scalar without a batch axis");
            int batch = runtime[0].Tensor.Shape[0];
            if (runtime.FirstOrDefault(r => r.Tensor.Shape[0] != batch) is { } other)
                return Case(ConformanceOutcome.OutOfScope, $"inputs share no batch axis: '{runtime[0].Name}' {Shapes.Format(runtime[0].Tensor.Shape)} vs '{other.Name}' {Shapes.Format(other.Tensor.Shape)}");
            for (int i = 0; i < expected.Count; i++)
            {
                var e = expected[i];
                if (!e.IsFloat) return Case(ConformanceOutcome.OutOfScope, $"output {i} has element type {e.Type}, not float");
                if (e.Shape.Length == 0 || e.Shape[0] != batch) return Case(ConformanceOutcome.OutOfScope, $"output {i} of shape {Shapes.Format(e.Shape)} has no batch axis of size {batch}");
            }
            bool single = runtime.All(r => r.Tensor.Type is DataType.Float or DataType.Float16 or DataType.Bfloat16);
            return single ? Compare<float>(model, test, runtime, expected, 1e-4, 1e-5, Case) : Compare<double>(model, test, runtime, expected, 1e-7, 1e-9, Case);
        }
        catch (OnnxImportException e) when (e.Error == OnnxImportError.BatchAxis) { return Case(ConformanceOutcome.OutOfScope, e.Message); }
        catch (OnnxImportException e) when (e.Error is OnnxImportError.UnsupportedVariant or OnnxImportError.UnsupportedOp) { return Case(ConformanceOutcome.Unsupported, e.Message); }
        catch (Exception e) { return Case(ConformanceOutcome.Failed, $"{e.GetType().Name}: {e.Message}"); }
    }

    private static ConformanceCase Compare<T>(ModelProto model, string test, List<Bound> runtime, List<OnnxTensor> expected,
        double rtol, double atol, Func<ConformanceOutcome, string?, double?, ConformanceCase> result) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var net = OnnxImporter.Import<T>(model, test);
        var outputs = net.Predict(runtime.Select(r => r.Tensor.Data.Cast<T>()).ToArray());
        double worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            var actual = outputs[i].Cast<double>();
            var want = expected[i].Data;
            if (!actual.Shape.SequenceEqual(want.Shape))
                return result(ConformanceOutcome.Failed, $"output {i} has shape {Shapes.Format(actual.Shape)}, expected {Shapes.Format(want.Shape)}", null);
            var a = actual.ToArray(); var b = want.ToArray();
            for (int k = 0; k < a.Length; k++)
            {
                bool same = a[k] == b[k] || double.IsNaN(a[k]) && double.IsNaN(b[k]);
                double err = same ? 0 : Math.Abs(a[k] - b[k]);
                if (double.IsNaN(err)) err = double.PositiveInfinity;
                worst = Math.Max(worst, err);
                if (err > atol + rtol * Math.Abs(b[k]))
                    return result(ConformanceOutcome.Failed, $"output {i} element {k}: {a[k]:R} vs expected {b[k]:R}", err);
            }
        }
        return result(ConformanceOutcome.Passed, null, worst);
    }

    private sealed record Bound(string Name, OnnxTensor Tensor);

    /// <summary>Moves inputs at initializer slots into the graph's initializers; returns the remaining inputs in order.</summary>
    private static List<Bound> BindInitializers(ModelProto model, List<OnnxTensor> inputs)
    {
        var g = model.Graph;
        var declared = g.Input.Where(i => !g.Initializer.Any(t => t.Name == i.Name)).ToArray();
        var slots = g.Node.SelectMany(n => s_initializerSlots.TryGetValue(n.OpType, out var s)
            ? s.Where(k => k < n.Input.Count && n.Input[k].Length > 0).Select(k => n.Input[k]) : []).ToHashSet();
        // Inputs read by anything but an initializer slot stay runtime inputs.
        var runtimeUse = g.Node.SelectMany(n => n.Input.Where((name, k) => !(s_initializerSlots.TryGetValue(n.OpType, out var s) && s.Contains(k)))).ToHashSet();
        var runtime = new List<Bound>();
        for (int i = 0; i < declared.Length && i < inputs.Count; i++)
        {
            var name = declared[i].Name;
            if (slots.Contains(name) && !runtimeUse.Contains(name))
            {
                var proto = Encode(inputs[i], name);
                g.Initializer.Add(proto);
                g.Input.Remove(declared[i]);
            }
            else runtime.Add(new Bound(name, inputs[i]));
        }
        return runtime;
    }

    private static TensorProto Encode(OnnxTensor t, string name)
    {
        var proto = new TensorProto { Name = name, DataType = (int)(t.IsFloat ? DataType.Double : t.Type == DataType.Bool ? DataType.Bool : DataType.Int64) };
        proto.Dims.AddRange(t.Shape.Select(d => (long)d));
        var values = t.Data.ToArray();
        if (t.IsFloat) proto.DoubleData.AddRange(values);
        else if (t.Type == DataType.Bool) proto.Int32Data.AddRange(values.Select(v => v != 0 ? 1 : 0));
        else proto.Int64Data.AddRange(values.Select(v => (long)v));
        return proto;
    }

    private static List<OnnxTensor>? ReadTensors(string dir, string prefix, int count)
    {
        var list = new List<OnnxTensor>();
        for (int i = 0; i < count; i++)
        {
            var path = Path.Combine(dir, $"{prefix}_{i}.pb");
            if (!File.Exists(path)) return null;
            TensorProto t;
            try { t = OnnxFile.ReadTensor(path); }
            catch (InvalidDataException) { return null; }
            catch (OnnxImportException) { return null; }
            if (t.DataType == (int)DataType.String || t.DataType == (int)DataType.Undefined) return null;
            list.Add(OnnxTensors.Decode(t, path));
        }
        return list;
    }

    /// <summary>The op under test: the single node's type, or for expansions the op whose name starts the test name.</summary>
    private static string OpLabel(string test, GraphProto g, IReadOnlySet<string> singleOps)
    {
        if (g.Node.Count == 1) return g.Node[0].OpType;
        string key = test["test_".Length..].Replace("_", "").ToLowerInvariant();
        var op = singleOps.Where(o => key.StartsWith(o.ToLowerInvariant(), StringComparison.Ordinal)).MaxBy(o => o.Length);
        return op is not null ? $"{op} (expanded)" : $"{test["test_".Length..].Replace("_expanded", "")} (graph)";
    }
}
