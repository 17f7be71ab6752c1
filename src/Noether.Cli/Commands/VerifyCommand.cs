using System.CommandLine;
using Noether.IO;
using Noether.Symmetry.Actions;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary>
/// <c>noether verify A B [--engine E]</c>: do two models compute the same function on the given inputs? With
/// <c>--engine onnxruntime</c> both models run on ONNX Runtime, an engine independent of the one that transformed them.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("a") { Description = "First model file." };
        var b = new Argument<string>("b") { Description = "Second model file." };
        var inputs = new Option<string[]>("--input") { Description = InputBinding.Help + " Both models get the same arrays (B's inputs in A's order). Default: random normal inputs from --seed (floating-point inputs only).", AllowMultipleArgumentsPerToken = false };
        var batch = new Option<int>("--batch") { Description = "Batch size of random inputs (a model that declares a fixed batch gets that).", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of random inputs.", DefaultValueFactory = _ => 0UL };
        var tolerance = new Option<double?>("--tolerance") { Description = $"Largest accepted relative difference max|a−b| / max|a|. Default {Float64Tolerance:G1} when the comparison runs in float64 (the noether engine), {Float32Tolerance:G1} when ONNX Runtime runs a float32 model (rounding accumulates over depth)." }.NonNegative();
        var engine = EngineChoice.Option("Engine running both models: noether (the graph IR's executor), onnxruntime (ONNX Runtime: an independent check; non-ONNX models are exported to ONNX in memory), or auto (noether when both import into the graph IR).", EngineChoice.Noether);
        var json = CliOutput.JsonOption();
        var cmd = new Command("verify", "Compare two models' outputs; exit 0 when within tolerance, 1 otherwise.") { a, b, inputs, batch, seed, tolerance, engine, json };
        cmd.SetAction((parse, cancel) =>
        {
            string pa = parse.GetValue(a)!, pb = parse.GetValue(b)!;
            ModelPrecision.RequireFile(pa, "Model file");
            ModelPrecision.RequireFile(pb, "Model file");
            var given = parse.GetValue(inputs) ?? [];
            var requested = EngineChoice.Parse(parse.GetValue(engine)!);
            ModelArguments.PinFromInputs(pa, given, pa, pb);
            var (ea, reasonA) = EngineChoice.Resolve(requested, pa);
            var (eb, reasonB) = EngineChoice.Resolve(requested, pb);
            string chosen = ea == EngineChoice.OnnxRuntime || eb == EngineChoice.OnnxRuntime ? EngineChoice.OnnxRuntime : EngineChoice.Noether;
            // The stored precisions, read once: ONNX Runtime runs each file in its own, and they set the default tolerance.
            var precisionA = new Lazy<string>(() => ModelPrecision.Resolve("auto", pa));
            var precisionB = new Lazy<string>(() => ModelPrecision.Resolve("auto", pb));
            cancel.ThrowIfCancellationRequested();
            var rng = new Rng(parse.GetValue(seed));
            var cmp = chosen == EngineChoice.OnnxRuntime
                ? CompareOnnxRuntime(pa, pb, precisionA.Value, precisionB.Value, given, rng, parse.GetValue(batch))
                : CompareNoether(pa, pb, given, rng, parse.GetValue(batch), cancel);
            cancel.ThrowIfCancellationRequested();
            double tol = parse.GetValue(tolerance) ?? DefaultTolerance(chosen, precisionA.Value, precisionB.Value);
            bool ok = cmp.Within(tol);
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { a = pa, b = pb, engine = chosen, engine_reason = reasonA ?? reasonB, max_abs_diff = cmp.MaxAbsDiff, max_rel_diff = cmp.MaxRelDiff, tolerance = tol, equal = ok, outputs = cmp.Outputs, elements = cmp.Elements, inputs = given.Length > 0 ? "files" : "random" });
            else AnsiConsole.MarkupLine($"{(ok ? "[green]same function[/]" : "[red]different functions[/]")} ({chosen}): max |a−b| = {cmp.MaxAbsDiff:G4}, relative {cmp.MaxRelDiff:G4} (tolerance {tol:G3}) over {cmp.Elements:N0} output values");
            return Task.FromResult(ok ? ExitCodes.Ok : ExitCodes.CheckFailed);
        });
        return cmd;
    }

    /// <summary>The default tolerance in float64 arithmetic.</summary>
    public const double Float64Tolerance = 1e-5;

    /// <summary>The default tolerance when either model runs in float32 (ONNX Runtime on a float32 file).</summary>
    public const double Float32Tolerance = 1e-4;

    private static double DefaultTolerance(string engine, string precisionA, string precisionB) =>
        engine == EngineChoice.OnnxRuntime && (precisionA != "float64" || precisionB != "float64")
            ? Float32Tolerance : Float64Tolerance;

    private static FunctionComparison CompareNoether(string pa, string pb, string[] given, Rng rng, int batch, CancellationToken cancel)
    {
        var (ma, _) = ModelArguments.Load(pa);
        var (mb, _) = ModelArguments.Load(pb);
        Tensor<double>[] x;
        if (given.Length > 0)
        {
            x = InputBinding.BindGraph(pa, ma.Graph.Inputs, given).Select(Npy.Read<double>).ToArray();
        }
        else x = ma.Graph.Inputs.Select(i => RandomInput(ma.Graph, i, rng, batch)).ToArray();
        return FunctionComparison.Of(ma, mb, x, cancel);
    }

    /// <summary>Random normal values, or random token ids in [0, vocab) for an input read only by embeddings.</summary>
    private static Tensor<double> RandomInput(Noether.Nn.Graph graph, Noether.Nn.InputSpec input, Rng rng, int batch)
    {
        var readers = graph.Consumers(input.Name);
        if (readers.Count == 0 || !readers.All(n => n.Op is Noether.Nn.Operations.EmbeddingOp)) return Tensor<double>.RandomNormal(rng, [batch, .. input.Shape]);
        int vocab = readers.Min(n => ((Noether.Nn.Operations.EmbeddingOp)n.Op).Vocab);
        var ids = Tensor<double>.RandomUniform(rng, 0, vocab, [batch, .. input.Shape]);
        return ids.Map(v => Math.Min(Math.Floor(v), vocab - 1));
    }

    private static FunctionComparison CompareOnnxRuntime(string pa, string pb, string precisionA, string precisionB, string[] given, Rng rng, int batch)
    {
        using var ea = EngineChoice.Open(pa, precisionA);
        using var eb = EngineChoice.Open(pb, precisionB);
        if (ea.Inputs.Count != eb.Inputs.Count)
            throw new ArgumentException($"{pa} takes {ea.Inputs.Count} input(s) but {pb} takes {eb.Inputs.Count}; they cannot compute the same function");
        TypedArray[] x;
        var sources = new Dictionary<string, string>();
        if (given.Length > 0)
        {
            var files = InputBinding.Bind(pa, ea.Inputs.Select(i => i.Name).ToArray(), given);
            x = files.Select(NpyArrays.Read).ToArray();
            for (int i = 0; i < files.Length; i++) sources[ea.Inputs[i].Name] = files[i];
        }
        else x = ea.Inputs.Select(spec => RandomFeed(pa, spec, rng, batch)).ToArray();
        var ya = ea.Run(ea.Inputs.Select((s, i) => (s.Name, x[i])).ToDictionary(p => p.Name, p => p.Item2), sources);
        var yb = eb.Run(eb.Inputs.Select((s, i) => (s.Name, x[i])).ToDictionary(p => p.Name, p => p.Item2),
            eb.Inputs.Select((s, i) => (s.Name, sources.GetValueOrDefault(ea.Inputs[i].Name) ?? "random")).ToDictionary(p => p.Name, p => p.Item2));
        return FunctionComparison.Compare(ya.Select(o => o.Value.ToTensor<double>()).ToArray(), yb.Select(o => o.Value.ToTensor<double>()).ToArray());
    }

    /// <summary>Random normal values of a declared floating-point input: fixed axes as declared, a dynamic axis 0 of <paramref name="batch"/>.</summary>
    private static TypedArray RandomFeed(string model, OnnxTensorSpec spec, Rng rng, int batch)
    {
        if (spec.ElementType is not { } type || !type.IsFloatingPoint())
            throw new ArgumentException($"{model}: input '{spec.Name}' is {spec}; random inputs are made only for floating-point inputs, give this one with --input {spec.Name}=FILE.npy");
        if (spec.Dims is null) throw new ArgumentException($"{model}: input '{spec.Name}' has no declared shape; give it with --input {spec.Name}=FILE.npy");
        var shape = spec.Dims.Select((d, axis) => d.Size is long s ? checked((int)s)
            : axis == 0 ? batch
            : throw new ArgumentException($"{model}: input '{spec.Name}' {spec.ShapeText} has the dynamic axis {axis} ('{d}'); give it with --input {spec.Name}=FILE.npy")).ToArray();
        return TypedArray.FromTensor(Tensor<double>.RandomNormal(rng, shape)).ConvertTo(type);
    }
}
