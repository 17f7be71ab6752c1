using System.CommandLine;
using System.Numerics;
using Noether.IO;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether convert IN OUT</c>: converts a model between safetensors (with architecture) and ONNX.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IN") { Description = "Model to read (.safetensors with a Noether architecture, or .onnx)." };
        var output = new Argument<string>("OUT") { Description = "Model to write (.safetensors or .onnx)." };
        var dtype = ModelPrecision.Option();
        var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("convert", "Convert a model between safetensors and ONNX.") { input, output, dtype, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            string from = parse.GetValue(input)!, to = parse.GetValue(output)!;
            ModelPrecision.RequireFile(from, "Model file");
            OutputFiles.CheckModel(to, parse.GetValue(overwrite), from);
            var precision = ModelPrecision.Resolve(parse.GetValue(dtype)!, from);
            var summary = precision == "float64" ? Convert<double>(from, to, cancel) : Convert<float>(from, to, cancel);
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                CliOutput.WriteJson(stdout, new { input = from, output = to, dtype = precision, nodes = summary.Nodes, parameters = summary.Parameters, tensors = summary.Tensors });
            else
                AnsiConsole.MarkupLine($"{TerminalText.Markup(from)} → [bold]{TerminalText.Markup(to)}[/]: {summary.Nodes} nodes, {summary.Tensors} tensors, {summary.Parameters:N0} parameters ({precision})");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static (int Nodes, int Tensors, long Parameters) Convert<T>(string from, string to, CancellationToken cancel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = ModelArguments.LoadFile<T>(from);
        cancel.ThrowIfCancellationRequested();
        ModelFiles.Save(model, to);
        return (model.Graph.Nodes.Count, model.Graph.Parameters.Count, model.Graph.TrainableParameterCount);
    }
}
