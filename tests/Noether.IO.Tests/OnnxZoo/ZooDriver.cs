using System.Numerics;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO.Tests.OnnxZoo;

/// <summary>The steps a zoo model goes through, in order; a model fails at the first that throws or mismatches.</summary>
public enum ZooStage
{
    /// <summary><see cref="OnnxImporter.Load{T}"/> in float32 and float64.</summary>
    Import,
    /// <summary>What <c>noether summary</c> shows: every node's output shape and description, every parameter.</summary>
    Summary,
    /// <summary><see cref="Model{T}.Predict"/> on the seeded inputs, in float32 and float64.</summary>
    Run,
    /// <summary>Every output within 1e-5 relative (max|a − b| / max|b|) of the golden, in both precisions.</summary>
    Golden,
}

/// <summary>Where a model stopped (null: it passed every stage) and the first line of the reason.</summary>
public sealed record ZooOutcome(ZooStage? FailedAt, string Message)
{
    /// <summary>Every stage passed.</summary>
    public static ZooOutcome Pass(string message) => new(null, message);
}

/// <summary>Takes one zoo model through import, summary, run and the golden comparison.</summary>
public static class ZooDriver
{
    /// <summary>The largest accepted relative difference from the golden outputs.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>
    /// The same for our engine in float32: two float32 engines summing in different orders (fused BatchNorm, panel
    /// convolution) drift apart by ~1e-5 over a hundred layers (PaddleOCR's detector: 1.8e-5), as verify allows for
    /// ONNX Runtime in float32.
    /// </summary>
    public const double Float32Tolerance = 1e-4;

    /// <summary>Runs every stage; never throws for a model's failure, reports it.</summary>
    public static ZooOutcome Evaluate(ZooModel zoo)
    {
        string path = ZooManifest.PathOf(zoo.File);
        Model<float> m32; Model<double> m64;
        try { m32 = OnnxImporter.Load<float>(path); m64 = OnnxImporter.Load<double>(path); }
        catch (Exception e) { return Fail(ZooStage.Import, e); }
        try { Summarise(m32.Graph); }
        catch (Exception e) { return Fail(ZooStage.Summary, e); }
        Tensor<float>[] y32; Tensor<double>[] y64;
        try { y32 = Run(m32, zoo); y64 = Run(m64, zoo); }
        catch (Exception e) { return Fail(ZooStage.Run, e); }
        var notes = new List<string>();
        if (y32.Length != zoo.Outputs.Count)
            return new(ZooStage.Golden, $"{y32.Length} outputs, the file declares {zoo.Outputs.Count}");
        for (int k = 0; k < zoo.Outputs.Count; k++)
        {
            var golden = Npy.Read<double>(ZooManifest.PathOf(zoo.Outputs[k].Golden));
            foreach (var (label, y) in new[] { ("float32", y32[k].Cast<double>()), ("float64", y64[k]) })
            {
                if (!y.ShapeArray().SequenceEqual(golden.ShapeArray()))
                    return new(ZooStage.Golden, $"output '{zoo.Outputs[k].Name}' ({label}) has shape {Shapes.Format(y.ShapeArray())}, golden {Shapes.Format(golden.ShapeArray())}");
                double rel = RelativeDifference(y, golden);
                if (!(rel <= (label == "float32" ? Float32Tolerance : Tolerance)))
                    return new(ZooStage.Golden, $"output '{zoo.Outputs[k].Name}' ({label}) differs from the golden by {rel:E2} relative");
                notes.Add($"{zoo.Outputs[k].Name} {label} {rel:E1}");
            }
        }
        return ZooOutcome.Pass(string.Join(", ", notes));
    }

    /// <summary>max|a − b| / max|b|.</summary>
    public static double RelativeDifference(Tensor<double> a, Tensor<double> b)
    {
        var x = a.Contiguous().ToArray(); var y = b.Contiguous().ToArray();
        double diff = 0, scale = 0;
        for (int i = 0; i < x.Length; i++) { diff = Math.Max(diff, Math.Abs(x[i] - y[i])); scale = Math.Max(scale, Math.Abs(y[i])); }
        return scale == 0 ? diff : diff / scale;
    }

    private static void Summarise(Graph g)
    {
        foreach (var n in g.Nodes)
        {
            _ = g.ShapeOf(n.Name);
            _ = n.Op.Describe();
        }
        foreach (var o in g.Outputs) _ = g.ShapeOf(o);
        _ = g.TrainableParameterCount;
    }

    /// <summary>Feeds the manifest's inputs: by name when the graph kept the ONNX names, else in order.</summary>
    private static Tensor<T>[] Run<T>(Model<T> model, ZooModel zoo) where T : unmanaged, IFloatingPointIeee754<T>
        => model.Predict(Inputs(model, zoo));

    /// <summary>Every symbolic input size at the size of the golden input that carries it.</summary>
    public static Dictionary<string, int> PinnedAtTheGoldenInputs(ZooModel zoo, string path)
    {
        var dims = new Dictionary<string, int>();
        foreach (var (symbol, (input, axis)) in OnnxImporter.SymbolicDims(path))
        {
            var feed = zoo.Inputs.FirstOrDefault(i => i.Name == input);
            if (feed is not null) dims[symbol] = NpyArrays.Read(ZooManifest.PathOf(feed.File)).Shape[axis];
        }
        return dims;
    }

    /// <summary>The model imported with every symbolic size pinned at its golden input's size, so it runs on them.</summary>
    public static Model<T> LoadAtGoldenSizes<T>(ZooModel zoo) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string path = ZooManifest.PathOf(zoo.File);
        return OnnxImporter.Load<T>(path, OnnxImportOptions.WithDims(PinnedAtTheGoldenInputs(zoo, path)));
    }

    /// <summary>The manifest's input arrays in the order of the graph's inputs (by name when the graph kept the ONNX names).</summary>
    public static Tensor<T>[] Inputs<T>(Model<T> model, ZooModel zoo) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var specs = model.Graph.Inputs;
        if (specs.Count != zoo.Inputs.Count)
            throw new InvalidOperationException($"the graph has {specs.Count} input(s) ({string.Join(", ", specs.Select(s => s.Name))}), the manifest feeds {zoo.Inputs.Count}");
        var byName = zoo.Inputs.ToDictionary(i => i.Name);
        var ordered = specs.All(s => byName.ContainsKey(s.Name)) ? specs.Select(s => byName[s.Name]).ToList() : zoo.Inputs.ToList();
        return ordered.Select(i => Npy.Read<T>(ZooManifest.PathOf(i.File))).ToArray();
    }

    private static ZooOutcome Fail(ZooStage stage, Exception e)
    {
        string message = e.Message.Split('\n')[0];
        int supported = message.IndexOf(". Supported: ", StringComparison.Ordinal);
        if (supported > 0) message = message[..supported]; // the importer's list of every op it maps
        message = message.Replace(ZooManifest.Directory + Path.DirectorySeparatorChar, "");
        return new(stage, $"{e.GetType().Name}: {message}");
    }
}
