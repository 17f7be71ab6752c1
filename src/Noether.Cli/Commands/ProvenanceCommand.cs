using System.CommandLine;
using System.Globalization;
using Noether.Alignment.Provenance;
using Noether.IO.HuggingFace;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether provenance A B</c>: is B a disguised, fine-tuned or pruned copy of A? (a thin shell over <see cref="ProvenanceTest"/>)</summary>
internal static class ProvenanceCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("a") { Description = "Reference model." };
        var b = new Argument<string>("b") { Description = "Suspected copy." };
        var test = new Option<string>("--test") { Description = "weights (match MLP units on their projections) or activations (on pre-activations over random tokens; gated MLPs).", DefaultValueFactory = _ => "weights" }.OneOf("weights", "activations");
        var permutations = new Option<int>("--permutations") { Description = "T, shuffles per layer's permutation test; the p-value floor is 1/(T+1).", DefaultValueFactory = _ => 999 }.AtLeast(1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the shuffles and of the random tokens.", DefaultValueFactory = _ => 0UL };
        var alpha = new Option<double>("--alpha") { Description = "Level of the verdict (compared with the harmonic-mean p).", DefaultValueFactory = _ => 0.01 }.InRange(1e-12, 0.5);
        var samples = new Option<int>("--samples") { Description = "--test activations: random token sequences fed to both models.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption();
        var cmd = new Command("provenance", "Test whether model B derives from model A (permuted, rescaled, fine-tuned or pruned), against the null of independent training.")
            { a, b, test, permutations, seed, alpha, samples, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string pa = parse.GetValue(a)!, pb = parse.GetValue(b)!;
            var options = new ProvenanceOptions(parse.GetValue(permutations), parse.GetValue(seed), parse.GetValue(alpha))
            {
                Evidence = parse.GetValue(test) == "activations" ? ProvenanceEvidence.Activations : ProvenanceEvidence.Weights,
                Samples = parse.GetValue(samples),
            };
            var report = CliProgress.Run(CliProgress.Enabled(parse, parse.GetValue(json)), stage =>
            {
                if (options.Evidence == ProvenanceEvidence.Activations)
                {
                    stage($"loading {Path.GetFileName(pa)}");
                    var ma = ModelArguments.LoadMapped<float>(pa, parse.GetValue(arch));
                    stage($"loading {Path.GetFileName(pb)}");
                    var mb = ModelArguments.LoadMapped<float>(pb, parse.GetValue(arch));
                    stage("testing");
                    return ProvenanceTest.Activations(ma, mb, options, Name(pa), Name(pb), cancel: cancel);
                }
                stage($"opening {Name(pa)}");
                using var sa = Source(pa, parse.GetValue(arch));
                stage($"opening {Name(pb)}");
                using var sb = Source(pb, parse.GetValue(arch));
                stage("testing");
                return ProvenanceTest.Weights(sa, sb, options, cancel: cancel);
            });
            cancel.ThrowIfCancellationRequested();
            if (parse.GetValue(json)) CliOutput.WriteJson(parse.InvocationConfiguration.Output, Document(pa, pb, report, options.Seed));
            else Print(report);
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    /// <summary>The file or folder name, for reports.</summary>
    private static string Name(string path) => Path.GetFileName(Path.TrimEndingDirectorySeparator(path));

    /// <summary>
    /// Parameters read one tensor at a time: a Hugging Face folder through positioned reads of its shards, any other
    /// model file memory-mapped (float32 safetensors without a copy).
    /// </summary>
    private static DisposableSource Source(string path, string? arch)
        => HuggingFaceCheckpoint.IsCheckpoint(path)
            ? new DisposableSource(new CheckpointParameterSource(HuggingFaceCheckpoint.OpenTensors(path)))
            : new DisposableSource(new ModelParameterSource<float>(ModelArguments.LoadMapped<float>(path, arch), Name(path)));

    /// <summary>A parameter source that closes its files when done.</summary>
    private sealed class DisposableSource(IParameterSource inner) : IParameterSource, IDisposable
    {
        public string Name => inner.Name;
        public Noether.Nn.Graph Graph => inner.Graph;
        public Noether.Tensors.Tensor<float> Read(string parameter) => inner.Read(parameter);
        public void Dispose() => (inner as IDisposable)?.Dispose();
    }

    private static object Document(string a, string b, ProvenanceReport r, ulong seed) => new
    {
        a, b, test = r.Evidence == ProvenanceEvidence.Weights ? "weights" : "activations", permutations = r.Permutations, seed, floor = r.Floor, alpha = r.Alpha,
        stream = r.Stream,
        layers = r.Layers.Select(l => new
        {
            layer_a = l.LayerA, layer_b = l.LayerB, views = l.Views, units_a = l.UnitsA, units_b = l.UnitsB, rho = l.Rho, agreement = l.Agreement,
            p_value = l.PValue, raw_p_value = l.RawPValue,
        }),
        fisher_p = r.Fisher, fisher_log10_p = r.FisherLog10, harmonic_mean_p = r.HarmonicMean,
        verdict = r.Verdict.ToString().ToLowerInvariant(), summary = r.Summary, notes = r.Notes,
    };

    private static void Print(ProvenanceReport r)
    {
        var table = new Table().AddColumns("MLP in A", "MLP in B", "views", "units A", "units B", "Spearman ρ", "agreement", "p");
        foreach (var l in r.Layers)
            table.AddRow(l.LayerA.ToString(CultureInfo.InvariantCulture), l.LayerB.ToString(CultureInfo.InvariantCulture), l.Views, l.UnitsA.ToString(CultureInfo.InvariantCulture),
                l.UnitsB.ToString(CultureInfo.InvariantCulture), l.Rho.ToString("F3", CultureInfo.InvariantCulture), l.Agreement.ToString("P0", CultureInfo.InvariantCulture),
                l.PValue.ToString("G3", CultureInfo.InvariantCulture) + (l.PValue <= r.Floor ? " (floor)" : ""));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"residual stream: {TerminalText.Markup(r.Stream)}");
        foreach (var n in r.Notes) AnsiConsole.MarkupLine($"[grey]{TerminalText.Markup(n)}[/]");
        AnsiConsole.MarkupLine($"combined over {r.Layers.Count} layers: Fisher p = {TerminalText.Markup(r.FormatFisher())} (assumes independent layers), harmonic-mean p = {r.HarmonicMean.ToString("G3", CultureInfo.InvariantCulture)}");
        AnsiConsole.MarkupLine($"[bold]{TerminalText.Markup(r.Summary)}[/]");
    }
}
