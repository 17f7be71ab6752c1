using System.CommandLine;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>inspect</c>, <c>transform</c>, <c>canonicalize</c>: the derived symmetry group of a model file and its action.</summary>
internal static class SymmetryCommands
{
    private static Option<bool> AffineOption() => new("--allow-affine") { Description = "Admit sign flips of sigmoid units absorbed by the next bias (σ(−x) = 1 − σ(x))." };
    private static Option<bool> FoldOption() => new("--fold-norms") { Description = "Fold RMSNorm gains into the next layers first (same function; the residual stream then admits O(d))." };
    internal static Option<string?> ArchOption() => new("--arch") { Description = "Graph JSON of a weights-only file: a PyTorch state dict as .safetensors, .pt, .pth or .bin (default: the metadata of a .safetensors file, else X.json beside X; format: docs/graph-json.schema.json)." };
    private static Option<bool> StrictOption() => new("--strict") { Description = "Fail on ops without a known symmetry rule instead of fixing the spaces they touch." };

    public static Command Inspect()
    {
        var model = new Argument<string>("model") { Description = "Model file (.safetensors or .onnx; a Hugging Face checkpoint folder; a weights-only .safetensors/.pt/.pth/.bin state dict with --arch or X.json beside it)." };
        var affine = AffineOption(); var strict = StrictOption(); var fold = FoldOption(); var arch = ArchOption(); var json = CliOutput.JsonOption();
        var cmd = new Command("inspect", "Derive and print the weight-space symmetry group of a model.") { model, affine, strict, fold, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!;
            string precision = ModelArguments.StoredPrecision(path);
            var (graph, spec) = CliProgress.Run(CliProgress.Enabled(parse, parse.GetValue(json)), stage =>
                precision == "float32" && !IsOnnx(path) ? Derive<float>(stage) : Derive<double>(stage));
            (Noether.Nn.Graph, WeightSpaceSpec) Derive<T>(Func<string, IProgress<double>?> stage) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            {
                stage($"loading {Path.GetFileName(path)}");
                var m = ModelArguments.LoadMapped<T>(path, parse.GetValue(arch));
                if (parse.GetValue(fold)) m = Noether.Symmetry.Transforms.NormFolding.FoldRmsNormGains(m);
                cancel.ThrowIfCancellationRequested();
                stage($"deriving the symmetry of {m.Graph.Nodes.Count:N0} nodes");
                return (m.Graph, SymmetryDeriver.Derive(m.Graph, new DerivationOptions(parse.GetValue(affine), parse.GetValue(strict)), cancel));
            }
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    model = path, name = graph.Name, precision, parameters = graph.TrainableParameterCount,
                    continuous_dimension = spec.ContinuousDimension, log10_finite_order = spec.Log10FiniteOrder,
                    factors = spec.Factors.Select(f => new
                    {
                        name = f.Name, channels = f.Channels, group = f.Group.Name, continuous_dimension = f.Group.ContinuousDimension,
                        log10_finite_order = f.Group.Log10FiniteOrder, segments = f.Segments.Select(s => new { values = s.Values, depends_on = s.Parent, phi = s.Phi.ToString() }),
                        bindings = f.Bindings.Select(b => b.ToString()), reasons = f.Reasons,
                    }),
                    notes = spec.Notes,
                });
                return Task.FromResult(ExitCodes.Ok);
            }
            AnsiConsole.MarkupLine($"[bold]{TerminalText.Markup(graph.Name)}[/]: {graph.TrainableParameterCount:N0} parameters ({precision}), {graph.Nodes.Count} nodes");
            var table = new Table().AddColumns("space", "channels", "group", "continuous dim", "log10 |finite part|", "parameter axes");
            foreach (var f in spec.Factors)
                table.AddRow(TerminalText.Markup(f.Name), f.Channels.ToString(), TerminalText.Markup(f.Group.Name), f.Group.ContinuousDimension.ToString("N0"), f.Group.Log10FiniteOrder.ToString("F2"), f.Bindings.Count.ToString());
            table.AddRow("[bold]total[/]", "", "", $"[bold]{spec.ContinuousDimension:N0}[/]", $"[bold]{spec.Log10FiniteOrder:F2}[/]", "");
            AnsiConsole.Write(table);
            foreach (var f in spec.Factors.Where(f => f.Reasons.Count > 0))
                AnsiConsole.MarkupLine($"[grey]{TerminalText.Markup(f.Name)}: {TerminalText.Markup(string.Join("; ", f.Reasons))}[/]");
            foreach (var n in spec.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {TerminalText.Markup(n)}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    public static Command Transform()
    {
        var model = new Argument<string>("model") { Description = "Model file, or a Hugging Face checkpoint folder (written back as a folder)." };
        var random = new Option<bool>("--random") { Description = "Apply a random element of the derived group (the only mode for now).", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random element.", DefaultValueFactory = _ => 0UL };
        var output = new Option<string>("--out") { Description = "Where to write the transformed model (same format as MODEL).", Required = true };
        var fold = FoldOption(); var arch = ArchOption(); var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("transform", "Move a model along its symmetry orbit: same function, different weights.") { model, random, seed, output, overwrite, fold, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!, outPath = parse.GetValue(output)!;
            OutputFiles.CheckModel(outPath, parse.GetValue(overwrite), path);
            string precision = ModelArguments.StoredPrecision(path);
            // float32 safetensors are transformed in their own precision, in place in a copy-on-write mapping of the
            // file (float64 arithmetic per tensor, so the result equals a float64 transform rounded once).
            bool single = precision == "float32" && !parse.GetValue(fold);
            // A Hugging Face checkpoint is moved a tensor at a time from its memory map to the output (folding norms needs the whole model).
            bool streamed = Noether.IO.HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(path) && !parse.GetValue(fold);
            var (spec, change, note) = CliProgress.Run(CliProgress.Enabled(parse, parse.GetValue(json)), stage => streamed ? Stream(stage) : single ? Move<float>(stage) : Move<double>(stage));
            (WeightSpaceSpec, double, string?) Stream(Func<string, IProgress<double>?> stage)
            {
                stage($"reading {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}'s config");
                var graph = Noether.IO.HuggingFace.HuggingFaceCheckpoint.LoadGraph(path);
                stage("deriving the symmetry group");
                var derived = SymmetryDeriver.Derive(graph, null, cancel);
                var element = derived.Random(new Rng(parse.GetValue(seed)));
                double moved = 0;
                stage($"transforming into {Path.GetFileName(Path.TrimEndingDirectorySeparator(outPath))}, a tensor at a time");
                var meta = new Dictionary<string, string> { ["noether.transformed_from"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(path)), ["noether.seed"] = parse.GetValue(seed).ToString() };
                var untied = Noether.IO.HuggingFace.HuggingFaceCheckpoint.Transform(path, outPath, (name, value) =>
                {
                    cancel.ThrowIfCancellationRequested();
                    var after = GroupAction.ApplyToParameter(name, value, derived, element);
                    moved = Math.Max(moved, after.MaxAbsDiff(value));
                    return after;
                }, metadata: meta);
                return (derived, moved, "wrote a Hugging Face checkpoint folder a tensor at a time (same tensor names, element types and shards)" + (untied is null ? "" : $"; {untied}"));
            }
            (WeightSpaceSpec, double, string?) Move<T>(Func<string, IProgress<double>?> stage) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            {
                stage($"loading {Path.GetFileName(path)}");
                // An .onnx file is read a weight at a time and written back the same way (see OnnxWeightFile).
                using var weights = parse.GetValue(fold) ? null : ModelArguments.OpenOnnxWeights<T>(path, cancel);
                var m = weights?.Model ?? ModelArguments.LoadMapped<T>(path, parse.GetValue(arch));
                if (parse.GetValue(fold)) m = Noether.Symmetry.Transforms.NormFolding.FoldRmsNormGains(m);
                cancel.ThrowIfCancellationRequested();
                stage("deriving the symmetry group");
                var derived = SymmetryDeriver.Derive(m.Graph, null, cancel);
                var element = derived.Random(new Rng(parse.GetValue(seed)));
                double moved;
                try { moved = GroupAction.ApplyInPlace(m, derived, element, progress: stage("transforming"), cancel: cancel); }
                catch (OverflowException e) when (e.Data["tensor"] is string t)
                {
                    throw TransformOverflow.Explain(e, derived, outPath, m.Graph.Parameters.First(p => p.Name == t).Shape, parse.GetValue(seed));
                }
                cancel.ThrowIfCancellationRequested();
                stage($"writing {Path.GetFileName(outPath)}");
                var meta = new Dictionary<string, string> { ["noether.transformed_from"] = Path.GetFileName(path), ["noether.seed"] = parse.GetValue(seed).ToString() };
                try
                {
                    return (derived, moved, weights is null ? ModelArguments.Save(m, outPath, precision, meta, path)
                        : ModelArguments.SaveOnnxWeights(weights, outPath, precision, meta, path, null, cancel));
                }
                catch (Noether.IO.ValueOverflowException e)
                {
                    // The float64 path rounds only when saving: explain with the input's value, reloaded (this is the error path).
                    throw TransformOverflow.Explain(e, derived, ModelArguments.LoadMapped<double>(path, parse.GetValue(arch)), parse.GetValue(seed));
                }
            }
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { model = path, output = outPath, seed = parse.GetValue(seed), group = spec.Group.Name, max_parameter_change = change, write_note = note });
            else
            {
                AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(outPath)}: a random element of {TerminalText.Markup(Shorten(spec.Group.Name))} moved the weights by up to {change:G4}");
                if (note is not null) AnsiConsole.MarkupLine($"[grey]{TerminalText.Markup(note)}[/]");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    public static Command Canonicalize()
    {
        var model = new Argument<string>("model") { Description = "Model file, or a Hugging Face checkpoint folder (written back as a folder)." };
        var output = new Option<string>("--out") { Description = "Where to write the canonical model.", Required = true };
        var arch = ArchOption(); var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("canonicalize", "Map weights to the unique representative of their symmetry orbit.") { model, output, overwrite, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!, outPath = parse.GetValue(output)!;
            OutputFiles.CheckModel(outPath, parse.GetValue(overwrite), path);
            string precision = ModelArguments.StoredPrecision(path);
            bool single = precision == "float32";
            var (steps, note) = CliProgress.Run(CliProgress.Enabled(parse, parse.GetValue(json)), stage => single ? Canonical<float>(stage) : Canonical<double>(stage));
            (IReadOnlyList<CanonicalStep>, string?) Canonical<T>(Func<string, IProgress<double>?> stage) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            {
                stage($"loading {Path.GetFileName(path)}");
                using var weights = ModelArguments.OpenOnnxWeights<T>(path, cancel);
                var m = weights?.Model ?? ModelArguments.LoadMapped<T>(path, parse.GetValue(arch));
                cancel.ThrowIfCancellationRequested();
                stage("deriving the symmetry group");
                var spec = SymmetryDeriver.Derive(m.Graph, null, cancel);
                var done = Canonicalizer.CanonicalizeInPlace(m, spec, stage("canonicalising"), cancel);
                cancel.ThrowIfCancellationRequested();
                var meta = new Dictionary<string, string> { ["noether.canonical_form_of"] = Path.GetFileName(path) };
                var writing = stage($"writing {Path.GetFileName(outPath)}");
                return (done, weights is null ? ModelArguments.Save(m, outPath, precision, meta, path)
                    : ModelArguments.SaveOnnxWeights(weights, outPath, precision, meta, path, writing, cancel));
            }
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { model = path, output = outPath, steps = steps.Select(s => new { factor = s.Factor, action = s.Action }), write_note = note });
            else
            {
                var table = new Table().AddColumns("space", "what was fixed");
                foreach (var s in steps) table.AddRow(TerminalText.Markup(s.Factor), TerminalText.Markup(s.Action));
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(outPath)}");
                if (note is not null) AnsiConsole.MarkupLine($"[grey]{TerminalText.Markup(note)}[/]");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static bool IsOnnx(string path) => Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string s) => s.Length > 120 ? s[..117] + "…" : s;
}
