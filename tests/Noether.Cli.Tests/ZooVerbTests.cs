using Noether.IO;
using Noether.IO.Tests;
using Noether.IO.Tests.OnnxZoo;
using Onnx;

namespace Noether.Cli.Tests;

/// <summary>
/// Every model of the ONNX zoo (PyTorch exports and real pretrained models, data/onnx-zoo/manifest.json) through
/// every verb, as a user would: summary, run (against the golden), inspect, transform + verify (ONNX Runtime confirms
/// the function), canonicalize + verify, convert to safetensors and back + verify, and the written files keep the
/// original's names. experiments/onnx-zoo/run.sh is the same walk through the command line, with a table.
/// </summary>
public sealed class ZooVerbTests : IDisposable
{
    /// <summary>The verb where a model stops on main today, and why; the list can only shrink.</summary>
    public static readonly IReadOnlyDictionary<string, (string Verb, string Reason)> KnownFailures =
        new Dictionary<string, (string, string)>
        {
            ["silero_vad_v5"] = ("convert", "the whole model is one opaque If on the sample rate; the ONNX file the exporter "
                + "writes from the pinned graph fails ONNX Runtime's type inference in a nested If of the branch"),
        };

    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Names() => new(ZooManifest.Models.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public async Task ModelPassesEveryVerbOrStopsWhereTheListSays(string name)
    {
        var zoo = ZooManifest.Get(name);
        string? failedAt = null, message = null;
        try { await EveryVerb(zoo); }
        catch (VerbFailed e) { (failedAt, message) = (e.Verb, e.Message); }
        if (KnownFailures.TryGetValue(name, out var known))
            Assert.True(failedAt == known.Verb, failedAt is null
                ? $"{name} now passes every verb: remove it from ZooVerbTests.KnownFailures"
                : $"{name} now stops at {failedAt} ({message}), listed at {known.Verb}: update ZooVerbTests.KnownFailures");
        else
            Assert.True(failedAt is null, $"{name} stops at {failedAt}: {message}");
    }

    private sealed class VerbFailed(string verb, string message) : Exception(message)
    {
        public string Verb { get; } = verb;
    }

    private static async Task Step(string verb, params string[] args)
    {
        var (code, output, err) = await CliRunner.Run(args);
        if (code != 0) throw new VerbFailed(verb, $"exit {code}: {FirstLine(err)} {FirstLine(output)}".Trim());
    }

    private static string FirstLine(string s) => s.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";

    private async Task EveryVerb(ZooModel zoo)
    {
        string model = ZooManifest.PathOf(zoo.File);
        var inputs = zoo.Inputs.SelectMany(i => new[] { "--input", ZooManifest.PathOf(i.File) }).ToArray();
        var verifyEngine = new[] { "--engine", "onnxruntime" };
        await Step("summary", "summary", model, "--json");

        string runDir = _dir.File($"{zoo.Name}-run");
        await Step("run", ["run", model, .. inputs, "--output-dir", runDir]);
        for (int k = 0; k < zoo.Outputs.Count; k++)
        {
            var got = NpyArrays.Read(Path.Combine(runDir, $"output_{k}.npy")).ToTensor<double>();
            var golden = Npy.Read<double>(ZooManifest.PathOf(zoo.Outputs[k].Golden));
            if (!got.ShapeArray().SequenceEqual(golden.ShapeArray()))
                throw new VerbFailed("run", $"output {k} has shape [{string.Join(", ", got.ShapeArray())}], golden [{string.Join(", ", golden.ShapeArray())}]");
            double rel = ZooDriver.RelativeDifference(got, golden);
            // run uses the file's precision: float32 for every zoo model.
            if (!(rel <= ZooDriver.Float32Tolerance)) throw new VerbFailed("run", $"output {k} is {rel:E2} relative from the golden");
        }

        await Step("inspect", "inspect", model, "--json");

        string transformed = _dir.File($"{zoo.Name}-transformed.onnx");
        await Step("transform", "transform", model, "--random", "--seed", "1", "--out", transformed);
        await Step("verify", ["verify", model, transformed, .. inputs, .. verifyEngine]);

        string canonical = _dir.File($"{zoo.Name}-canonical.onnx");
        await Step("canonicalize", "canonicalize", model, "--out", canonical);
        await Step("canonicalize", ["verify", model, canonical, .. inputs, .. verifyEngine]);

        string st = _dir.File($"{zoo.Name}.safetensors"), back = _dir.File($"{zoo.Name}-back.onnx");
        await Step("convert", ["convert", model, st, .. PinnedDims(model, zoo)]);
        await Step("convert", "convert", st, back);
        await Step("convert", ["verify", model, back, .. inputs, .. verifyEngine]);

        foreach (var written in new[] { transformed, canonical })
            if (NamesChanged(OnnxFile.ReadModel(model), OnnxFile.ReadModel(written)) is { } what)
                throw new VerbFailed("names", $"{Path.GetFileName(written)}: {what}");
    }

    /// <summary>--dim SYMBOL=SIZE for every symbolic non-batch input size, read off the model's input files.</summary>
    private static string[] PinnedDims(string model, ZooModel zoo)
    {
        var graph = OnnxFile.ReadModel(model).Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        var batch = inputs.Select(i => i.Type?.TensorType?.Shape?.Dim.FirstOrDefault()?.DimParam).Where(p => !string.IsNullOrEmpty(p)).ToHashSet();
        var dims = new Dictionary<string, int>();
        foreach (var (info, file) in inputs.Zip(zoo.Inputs))
        {
            var shape = NpyArrays.Read(ZooManifest.PathOf(file.File)).Shape;
            var declared = info.Type?.TensorType?.Shape?.Dim;
            if (declared is null) continue;
            for (int axis = 1; axis < declared.Count && axis < shape.Length; axis++)
            {
                var d = declared[axis];
                if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || batch.Contains(d.DimParam)) continue;
                dims.TryAdd(d.DimParam is { Length: > 0 } p ? p : $"{info.Name}:{axis}", shape[axis]); // unnamed: INPUT:AXIS
            }
        }
        var declaredSymbols = OnnxImporter.SymbolicDims(model); // an unnamed size on a moved batch axis is no symbol
        return dims.Where(d => declaredSymbols.ContainsKey(d.Key)).SelectMany(d => new[] { "--dim", $"{d.Key}={d.Value}" }).ToArray();
    }

    /// <summary>What a written file changed of the original's names and opset, or null when it kept them.</summary>
    private static string? NamesChanged(ModelProto a, ModelProto b)
    {
        static HashSet<string> Inits(ModelProto m) => m.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var (ia, ib) = (Inits(a), Inits(b));
        // A shared initializer that a transform moved apart per consumer gets copies named NAME_untiedK / NAME.untiedK.
        bool Copy(string n) => !ia.Contains(n) && System.Text.RegularExpressions.Regex.Match(n, @"^(.*)[._]untied\d+(_\d+)?$") is { Success: true } m
            && ia.Contains(m.Groups[1].Value);
        var checks = new (string What, IEnumerable<string> Was, IEnumerable<string> Is)[]
        {
            ("graph name", [a.Graph.Name], [b.Graph.Name]),
            ("inputs", a.Graph.Input.Select(i => i.Name).Where(n => !ia.Contains(n)), b.Graph.Input.Select(i => i.Name).Where(n => !ib.Contains(n))),
            ("outputs", a.Graph.Output.Select(o => o.Name), b.Graph.Output.Select(o => o.Name)),
            ("opset", a.OpsetImport.Select(o => $"{o.Domain}:{o.Version}").Order(), b.OpsetImport.Select(o => $"{o.Domain}:{o.Version}").Order()),
            ("nodes", a.Graph.Node.Select(n => n.Name).Order(), b.Graph.Node.Select(n => n.Name).Order()),
            ("initializers", ia.Order(), ib.Where(n => !Copy(n)).Order()),
        };
        foreach (var (what, was, now) in checks)
            if (!was.SequenceEqual(now)) return $"{what} differ";
        return null;
    }
}
