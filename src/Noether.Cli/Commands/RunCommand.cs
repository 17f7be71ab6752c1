using System.CommandLine;
using System.Numerics;
using Noether.IO;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether run MODEL --input x.npy … --output-dir DIR</c>: evaluates a model on NumPy arrays.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file (.safetensors with a Noether architecture, or .onnx)." };
        var inputs = new Option<string[]>("--input") { Description = "A .npy array [batch, …] per graph input, in order.", Required = true, AllowMultipleArgumentsPerToken = false };
        var outputDir = new Option<string>("--output-dir") { Description = "Directory for output_0.npy, output_1.npy, … (float32); created if missing.", Required = true };
        var dtype = ModelPrecision.Option();
        var json = CliOutput.JsonOption();
        var cmd = new Command("run", "Run a model on .npy inputs and write its outputs as .npy files.") { model, inputs, outputDir, dtype, json };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!, dir = parse.GetValue(outputDir)!;
            var files = parse.GetValue(inputs)!;
            ModelPrecision.RequireFile(path, "Model file");
            foreach (var f in files) ModelPrecision.RequireFile(f, "Input array");
            var precision = ModelPrecision.Resolve(parse.GetValue(dtype)!, path);
            var written = precision == "float64" ? Run<double>(path, files, dir) : Run<float>(path, files, dir);
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                CliOutput.WriteJson(stdout, new { model = path, dtype = precision, outputs = written.Select(w => new { path = w.Path, shape = w.Shape }) });
            else
                foreach (var w in written) AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(w.Path)}[/] {Markup.Escape(Shapes.Format(w.Shape))}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static List<(string Path, int[] Shape)> Run<T>(string path, string[] files, string dir) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var net = ModelFiles.Load<T>(path);
        var specs = net.Graph.Inputs;
        if (files.Length != specs.Count)
            throw new ArgumentException($"{path} takes {specs.Count} input(s) ({string.Join(", ", specs)}), got {files.Length} --input file(s)");
        var tensors = files.Select((f, i) =>
        {
            var t = Npy.Read<T>(f);
            if (t.Rank != specs[i].Shape.Length + 1 || !t.Shape[1..].SequenceEqual(specs[i].Shape))
                throw new ArgumentException($"{f}: array of shape {Shapes.Format(t.Shape)} does not fit input '{specs[i].Name}' [batch, {string.Join(", ", specs[i].Shape)}]");
            return t;
        }).ToArray();
        var outputs = net.Predict(tensors);
        Directory.CreateDirectory(dir);
        var targets = outputs.Select((_, i) => Path.Combine(dir, $"output_{i}.npy")).ToArray();
        foreach (var target in targets)
            if (files.Append(path).Any(f => ModelPrecision.SamePath(f, target))) throw new ArgumentException($"output {target} would overwrite an input file");
        var written = new List<(string, int[])>();
        for (int i = 0; i < outputs.Length; i++)
        {
            Npy.Write(targets[i], outputs[i].Cast<float>());
            written.Add((targets[i], outputs[i].ShapeArray()));
        }
        return written;
    }
}
