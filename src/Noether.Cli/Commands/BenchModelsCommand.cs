using System.CommandLine;
using Noether.IO;
using Noether.Nn;
using Noether.Nn.Diagnostics;
using Noether.Tensors;

namespace Noether.Cli.Commands;

/// <summary>
/// <c>noether bench models</c>: writes the models of the resource benchmarks (bench/symmetry_resources.sh) — a large
/// float32 model as .safetensors (graph in its metadata) and .onnx, and a deep Linear/ReLU chain as .safetensors and
/// graph JSON — seeded, so every run measures the same files.
/// </summary>
internal static class BenchModelsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to write the models into (created if missing).", Required = true };
        var megabytes = new Option<int>("--megabytes") { Description = "Approximate size of the large model's float32 weights in MB (0: skip it).", DefaultValueFactory = _ => 350 };
        var arch = new Option<string>("--arch") { Description = $"Architecture of the large model: {string.Join(" or ", ResourceBenchModels.Architectures)}.", DefaultValueFactory = _ => "mlp" };
        var onnx = new Option<bool>("--onnx") { Description = "Also write the large model as .onnx.", DefaultValueFactory = _ => true };
        var chain = new Option<int>("--chain-nodes") { Description = "Nodes of the Linear/ReLU chain (0: skip it).", DefaultValueFactory = _ => 200_000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the weights.", DefaultValueFactory = _ => 1 };
        var cmd = new Command("models", "Write the models of the resource benchmarks (large model, deep chain).") { output, megabytes, arch, onnx, chain, seed };
        cmd.SetAction((parse, cancel) =>
        {
            string dir = parse.GetValue(output)!;
            int mb = parse.GetValue(megabytes), nodes = parse.GetValue(chain);
            if (mb < 0) throw new ArgumentException($"--megabytes must not be negative, got {mb}");
            if (nodes < 0) throw new ArgumentException($"--chain-nodes must not be negative, got {nodes}");
            Directory.CreateDirectory(dir);
            var err = parse.InvocationConfiguration.Error;
            if (mb > 0)
            {
                string a = parse.GetValue(arch)!;
                var model = Model<float>.Initialize(ResourceBenchModels.Large(a, mb), new Rng(parse.GetValue(seed)));
                cancel.ThrowIfCancellationRequested();
                var path = Path.Combine(dir, $"{a}-{mb}mb.safetensors");
                ModelFiles.Save(model, path);
                err.WriteLine($"wrote {path}: {model.Graph.TrainableParameterCount:N0} parameters, {new FileInfo(path).Length:N0} bytes");
                if (parse.GetValue(onnx))
                {
                    cancel.ThrowIfCancellationRequested();
                    var onnxPath = Path.ChangeExtension(path, ".onnx");
                    ModelFiles.Save(model, onnxPath);
                    err.WriteLine($"wrote {onnxPath}: {new FileInfo(onnxPath).Length:N0} bytes");
                }
            }
            if (nodes > 0)
            {
                cancel.ThrowIfCancellationRequested();
                var model = Model<float>.Initialize(ResourceBenchModels.Chain(nodes), new Rng(parse.GetValue(seed)));
                var path = Path.Combine(dir, $"chain-{nodes}.safetensors");
                ModelFiles.Save(model, path);
                ModelFiles.SaveArchitecture(model.Graph, Path.ChangeExtension(path, ".json"));
                err.WriteLine($"wrote {path} and {Path.ChangeExtension(path, ".json")}: {nodes:N0} nodes");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
