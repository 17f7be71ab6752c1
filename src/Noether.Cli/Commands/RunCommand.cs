using System.CommandLine;
using System.Numerics;
using Noether.IO;
using Noether.Nn;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether run MODEL --input x.npy … --output-dir DIR [--engine E]</c>: evaluates a model on NumPy arrays.</summary>
internal static class RunCommand
{
    private sealed record Written(string Name, string Path, int[] Shape, string Dtype);

    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file (.safetensors with a Noether architecture, or .onnx) or a Hugging Face checkpoint folder (config.json + safetensors; input: int64 token ids)." };
        var inputs = new Option<string[]>("--input") { Description = InputBinding.Help + " Integer and bool arrays (token ids, masks) need --engine onnxruntime (auto picks it when the graph IR cannot run the model).", Required = true, AllowMultipleArgumentsPerToken = false };
        var outputDir = new Option<string>("--output-dir") { Description = "Directory for output_0.npy, output_1.npy, … (one per model output, in order; float32 from noether, the model's own types from onnxruntime); created if missing.", Required = true };
        var dtype = ModelPrecision.Option();
        var engine = EngineChoice.Option("Engine: noether (the graph IR's executor), onnxruntime (ONNX Runtime; --dtype does not apply), or auto (noether when the model imports into the graph IR, else onnxruntime).");
        var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("run", "Run a model on .npy inputs and write its outputs as .npy files.") { model, inputs, outputDir, dtype, engine, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!, dir = parse.GetValue(outputDir)!;
            var values = parse.GetValue(inputs)!;
            ModelPrecision.RequireFile(path, "Model file");
            var requested = EngineChoice.Parse(parse.GetValue(engine)!);
            ModelArguments.PinFromInputs(path, values);
            var precision = ModelPrecision.Resolve(parse.GetValue(dtype)!, path);
            var (chosen, reason) = EngineChoice.Resolve(requested, path);
            var target = new Target(dir, parse.GetValue(overwrite), cancel);
            List<Written> written;
            if (chosen == EngineChoice.OnnxRuntime) written = RunOnnxRuntime(path, precision, values, target);
            else written = precision == "float64" ? Run<double>(path, values, target) : Run<float>(path, values, target);
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                CliOutput.WriteJson(stdout, new
                {
                    model = path, engine = chosen, engine_reason = reason, dtype = chosen == EngineChoice.Noether ? precision : null,
                    outputs = written.Select(w => new { name = w.Name, path = w.Path, shape = w.Shape, dtype = w.Dtype }),
                });
            else
            {
                AnsiConsole.MarkupLine($"engine: [bold]{chosen}[/]{(reason is null ? "" : $" ({TerminalText.Markup(reason)})")}");
                foreach (var w in written) AnsiConsole.MarkupLine($"wrote [bold]{TerminalText.Markup(w.Path)}[/] ({TerminalText.Markup(w.Name)}) {w.Dtype} {TerminalText.Markup(Shapes.Format(w.Shape))}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    /// <summary>Where outputs go and whether existing ones may be replaced.</summary>
    private sealed record Target(string Dir, bool Overwrite, CancellationToken Cancel);

    private static List<Written> Run<T>(string path, string[] values, Target target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var net = ModelArguments.LoadFile<T>(path);
        var specs = net.Graph.Inputs;
        var files = InputBinding.BindGraph(path, specs, values);
        var targets = Targets(target, net.Graph.Outputs.Count, files.Append(path));
        var tensors = files.Select((f, i) =>
        {
            var t = Npy.Read<T>(f);
            if (Executor.PinnedMismatch(specs[i], t.ShapeArray()) is { } pinned) throw new ArgumentException($"{f}: input '{specs[i].Name}': {pinned}");
            if (t.Rank != specs[i].Shape.Length + 1 || !t.Shape[1..].SequenceEqual(specs[i].Shape))
                throw new ArgumentException($"{f}: array of shape {Shapes.Format(t.Shape)} does not fit input '{specs[i].Name}' [batch, {string.Join(", ", specs[i].Shape)}]");
            return t;
        }).ToArray();
        var outputs = net.Predict(tensors, target.Cancel);
        return OutputFiles.Batch(targets, () =>
        {
            Directory.CreateDirectory(target.Dir);
            var written = new List<Written>();
            for (int i = 0; i < outputs.Length; i++)
            {
                Npy.Write(targets[i], outputs[i].Cast<float>());
                written.Add(new(net.Graph.Outputs[i], targets[i], outputs[i].ShapeArray(), "float32"));
            }
            return written;
        });
    }

    private static List<Written> RunOnnxRuntime(string path, string precision, string[] values, Target target)
    {
        using var engine = EngineChoice.Open(path, precision);
        var names = engine.Inputs.Select(i => i.Name).ToArray();
        var files = InputBinding.Bind(path, names, values);
        var targets = Targets(target, engine.Outputs.Count, files.Append(path));
        var feeds = names.Select((n, i) => (n, NpyArrays.Read(files[i]))).ToDictionary(p => p.n, p => p.Item2);
        var outputs = engine.Run(feeds, names.Select((n, i) => (n, files[i])).ToDictionary(p => p.n, p => p.Item2));
        target.Cancel.ThrowIfCancellationRequested();
        if (outputs.Count != targets.Length) throw new InvalidOperationException($"{path}: ONNX Runtime returned {outputs.Count} outputs, the model declares {targets.Length}");
        return OutputFiles.Batch(targets, () =>
        {
            Directory.CreateDirectory(target.Dir);
            var written = new List<Written>();
            for (int i = 0; i < outputs.Count; i++)
            {
                NpyArrays.Write(targets[i], outputs[i].Value);
                written.Add(new(outputs[i].Key, targets[i], outputs[i].Value.Shape, outputs[i].Value.ElementType.Name()));
            }
            return written;
        });
    }

    /// <summary>
    /// output_0.npy … in the target folder (created), checked before the model runs: none may be an input file, and
    /// none may exist unless --overwrite.
    /// </summary>
    private static string[] Targets(Target target, int count, IEnumerable<string> inputs) =>
        OutputFiles.CheckFolder(target.Dir, Enumerable.Range(0, count).Select(i => $"output_{i}.npy"), target.Overwrite, inputs);
}
