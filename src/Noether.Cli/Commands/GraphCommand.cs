using System.CommandLine;
using Noether.IO;
using Noether.Metanetworks.Graphs;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary>
/// <c>noether graph MODEL [--json] [--out FILE.npz]</c>: the model's parameter graph (Graph Metanetworks): node and edge
/// counts by kind, and optionally the graph as a NumPy archive of index and feature arrays.
/// </summary>
internal static class GraphCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file (.safetensors with a Noether architecture, or .onnx)." };
        var json = CliOutput.JsonOption();
        var output = new Option<string?>("--out") { Description = "Write the graph as .npz: node_layer, node_position, node_type, edge_index [2, M], edge_value, edge_layer, edge_type, edge_kernel [M, 2], edge_parameter, edge_element (float64)." };
        var overwrite = OutputFiles.OverwriteOption();
        var cmd = new Command("graph", "Show (and export) a model's parameter graph: a node per neuron or channel, an edge per parameter.") { model, json, output, overwrite };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!;
            ModelPrecision.RequireFile(path, "Model file");
            string? outPath = parse.GetValue(output);
            if (outPath is not null)
            {
                if (!outPath.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out {outPath}: the parameter graph is written as .npz");
                OutputFiles.Check(outPath, parse.GetValue(overwrite), path);
            }
            var loaded = ModelArguments.LoadFile<double>(path);
            ParameterGraph pg;
            try { pg = ParameterGraphBuilder.Build(loaded); }
            catch (NotSupportedException e) { throw new NotSupportedException($"{path}: {e.Message}", e); }
            if (outPath is not null) Npz.Write(outPath, pg.ToArrays());
            var summary = new GraphSummary(path, pg.ModelName, pg.NodeCount, pg.EdgeCount,
                pg.NodeCountsByKind.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value), pg.EdgeCountsByKind.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
                pg.Buffers.Keys.ToArray(), outPath);
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) { CliOutput.WriteJson(stdout, summary); return Task.FromResult(ExitCodes.Ok); }
            AnsiConsole.MarkupLine($"[bold]{TerminalText.Markup(pg.ModelName)}[/]: {pg.NodeCount:N0} nodes, {pg.EdgeCount:N0} edges");
            var table = new Table().AddColumns("", "kind", "count");
            foreach (var (k, v) in summary.NodeKinds) table.AddRow("node", k, v.ToString("N0"));
            foreach (var (k, v) in summary.EdgeKinds) table.AddRow("edge", k, v.ToString("N0"));
            AnsiConsole.Write(table);
            if (pg.Buffers.Count > 0) AnsiConsole.MarkupLine($"buffers kept beside the graph: {TerminalText.Markup(string.Join(", ", pg.Buffers.Keys))}");
            if (outPath is not null) AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(outPath)}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    internal sealed record GraphSummary(string Path, string Name, int Nodes, int Edges, IReadOnlyDictionary<string, int> NodeKinds,
        IReadOnlyDictionary<string, int> EdgeKinds, IReadOnlyList<string> Buffers, string? Output);
}
