using System.CommandLine;
using System.Numerics;
using Noether.IO;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether summary MODEL</c>: the graph's ops, shapes and parameters as a table or JSON.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file (.safetensors with a Noether architecture, or .onnx) or a Hugging Face checkpoint folder (config.json + safetensors; input: int64 token ids)." };
        var json = CliOutput.JsonOption();
        var cmd = new Command("summary", "Show a model's ops, parameters, shapes and element type.") { model, json };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!;
            ModelPrecision.RequireFile(path, "Model file");
            var stored = ModelFileInfo.StoredElementType(path);
            var summary = stored == "float64" ? Describe<double>(path, stored) : Describe<float>(path, stored);
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) { CliOutput.WriteJson(stdout, summary); return Task.FromResult(ExitCodes.Ok); }
            AnsiConsole.MarkupLine($"[bold]{TerminalText.Markup(summary.Name)}[/] ({TerminalText.Markup(summary.Format)}, {summary.Dtype}): {summary.Nodes.Count} nodes, {summary.TrainableParameters:N0} trainable parameters");
            AnsiConsole.MarkupLine($"inputs  {TerminalText.Markup(string.Join(", ", summary.Inputs.Select(FormatInput)))}");
            if (summary.Pinned.Count > 0)
                AnsiConsole.MarkupLine($"pinned  {TerminalText.Markup(string.Join(", ", summary.Pinned.Select(kv => $"{kv.Key}={kv.Value}")))} (symbolic input sizes fixed for the graph IR; choose with --dim NAME=SIZE; ONNX files written back keep them dynamic)");
            AnsiConsole.MarkupLine($"outputs {TerminalText.Markup(string.Join(", ", summary.Outputs.Select(i => $"{i.Name} [N, {string.Join(", ", i.Shape)}]")))}");
            var ops = new Table().AddColumns("node", "op", "inputs", "output shape", "parameters");
            foreach (var n in summary.Nodes)
                ops.AddRow(TerminalText.Markup(n.Name), TerminalText.Markup(n.Op), TerminalText.Markup(string.Join(", ", n.Inputs)), TerminalText.Markup(Shapes.Format(n.OutputShape)), n.Parameters.ToString("N0"));
            AnsiConsole.Write(ops);
            var parameters = new Table().AddColumns("parameter", "shape", "kind");
            foreach (var p in summary.Parameters) parameters.AddRow(TerminalText.Markup(p.Name), TerminalText.Markup(Shapes.Format(p.Shape)), p.Trainable ? "trainable" : "buffer");
            AnsiConsole.Write(parameters);
            if (summary.OpaqueOps.Count > 0)
                AnsiConsole.MarkupLine($"opaque  {summary.OpaqueOps.Values.Sum()} node(s) kept from the file without an IR equivalent ({TerminalText.Markup(string.Join(", ", summary.OpaqueOps.Select(kv => $"{kv.Key} ×{kv.Value}")))}); run them with --engine onnxruntime");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    internal sealed record ValueSummary(string Name, int[] Shape, int BatchAxis = 0, string?[]? Symbols = null);

    /// <summary>[N, 16, 6] with the batch where it is, and pinned sizes as sequence=16.</summary>
    private static string FormatInput(ValueSummary i)
    {
        var dims = i.Shape.Select((d, k) => i.Symbols?[k] is { } s ? $"{s}={d}" : d.ToString()).ToList();
        if (i.BatchAxis >= 0) dims.Insert(i.BatchAxis, "N");
        return $"{i.Name} [{string.Join(", ", dims)}]";
    }
    internal sealed record NodeSummary(string Name, string Kind, string Op, string[] Inputs, int[] OutputShape, long Parameters);
    internal sealed record ParameterSummary(string Name, string Node, int[] Shape, bool Trainable);
    internal sealed record ModelSummary(string Path, string Format, string Name, string Dtype, ValueSummary[] Inputs, ValueSummary[] Outputs,
        IReadOnlyList<NodeSummary> Nodes, IReadOnlyList<ParameterSummary> Parameters, long TrainableParameters, IReadOnlyDictionary<string, int> OpCounts,
        IReadOnlyDictionary<string, int> OpaqueOps, IReadOnlyDictionary<string, int> Pinned);

    private static ModelSummary Describe<T>(string path, string stored) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = ModelArguments.LoadFile<T>(path).Graph;
        var nodes = g.Nodes.Select(n => new NodeSummary(n.Name, n.Op.Kind, n.Op.Describe(), n.Inputs.ToArray(), g.ShapeOf(n.Name),
            n.Op.Parameters.Sum(p => (long)Shapes.Size(p.Shape)))).ToArray();
        return new ModelSummary(path, Noether.IO.HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(path) ? "huggingface" : Path.GetExtension(path).TrimStart('.').ToLowerInvariant(), g.Name, stored,
            g.Inputs.Select(i => new ValueSummary(i.Name, i.Shape, i.BatchAxis, i.Symbols?.ToArray())).ToArray(), g.Outputs.Select(o => new ValueSummary(o, g.ShapeOf(o))).ToArray(),
            nodes, g.Parameters.Select(p => new ParameterSummary(p.Name, p.NodeName, p.Shape, p.Trainable)).ToArray(), g.TrainableParameterCount,
            g.Nodes.GroupBy(n => n.Op.Kind).OrderByDescending(k => k.Count()).ToDictionary(k => k.Key, k => k.Count()),
            // Opaque nodes by their ONNX op type, counting a multi-output node once.
            g.Nodes.Select(n => n.Op).OfType<OpaqueOp>().Where(o => !o.Secondary).GroupBy(o => o.QualifiedType)
                .OrderByDescending(k => k.Count()).ThenBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Count()),
            g.Inputs.SelectMany(i => i.Pinned).DistinctBy(p => p.Symbol).ToDictionary(p => p.Symbol, p => p.Size));
    }
}
