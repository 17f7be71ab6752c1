using System.CommandLine;
using Noether.Nn.Training;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether evaluate</c>: loss and accuracy of a classifier on a data set's test split.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model file." };
        var data = new Option<string>("--data") { Description = "digits, fashion-mnist, or an .npz file with x [N, …] and y [N].", Required = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory of the Fashion-MNIST IDX files." };
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption();
        var cmd = new Command("evaluate", "Loss and accuracy of a classifier on the test split of a data set.") { model, data, dataDir, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            var (m, _) = ModelArguments.Load(parse.GetValue(model)!, parse.GetValue(arch));
            var (_, test) = DataArguments.Load(parse.GetValue(data)!, parse.GetValue(dataDir));
            var e = Trainer.Evaluate(m, DataArguments.Fit(test, m.Graph), cancel: cancel);
            if (parse.GetValue(json)) CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { model = parse.GetValue(model), loss = e.Loss, accuracy = e.Accuracy, samples = e.Count });
            else AnsiConsole.MarkupLine($"loss {e.Loss:F4}, accuracy [bold]{e.Accuracy:P2}[/] on {e.Count:N0} samples");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
