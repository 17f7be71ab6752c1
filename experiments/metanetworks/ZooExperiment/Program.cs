// Metanetwork experiment (issue 17, must-show 4): train a zoo of tiny digits CNNs with varied hyperparameters, then
// predict their test accuracy from their weights with NFN (HNP, NP), GMN, weight statistics and a flat MLP with and
// without symmetry augmentation. The zoo is a directory of safetensors files plus index.csv (file, test_accuracy,
// hyperparameters), the format `noether zoo generate` (issue 18) is meant to write, so its output can replace step 1.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Noether.IO;
using Noether.Metanetworks.Zoo;
using Noether.Nn;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;

var inv = CultureInfo.InvariantCulture;
var opts = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
int count = int.Parse(opts.GetValueOrDefault("count", "200"), inv);
string zoo = opts.GetValueOrDefault("zoo", "zoo");
string results = opts.GetValueOrDefault("results", "results");
int metaEpochs = int.Parse(opts.GetValueOrDefault("meta-epochs", "150"), inv);
int splits = int.Parse(opts.GetValueOrDefault("splits", "3"), inv);
var methods = opts.GetValueOrDefault("methods", "stats,mlp,mlp+aug,nfn,nfn-np,gmn").Split(',');
Directory.CreateDirectory(zoo);
Directory.CreateDirectory(results);

// 1. The zoo (skipped when index.csv already lists `count` models).
var indexPath = Path.Combine(zoo, ZooIndex.FileName);
if (!File.Exists(indexPath) || ZooIndex.Read(indexPath).Count < count) Generate(count, zoo);
var entries = ZooIndex.Read(indexPath).Take(count).ToArray();
var models = entries.Select(e => ModelFiles.Load<double>(Path.Combine(zoo, e.File))).ToArray();
var acc = entries.Select(e => e.TestAccuracy).ToArray();
Console.WriteLine($"zoo: {models.Length} models of {models[0].Graph.TrainableParameterCount} parameters; test accuracy {acc.Min():P1} … {acc.Max():P1}, median {acc.Order().ElementAt(acc.Length / 2):P1}");

// 2. Predictions, `splits` seeds per method.
var rows = new List<object>();
var table = new StringBuilder("| metanetwork | Kendall τ (mean ± sd) | R² (mean ± sd) | parameters | seconds per run |\n|---|---|---|---|---|\n");
foreach (var m in methods)
{
    var (method, augment) = m switch
    {
        "stats" => (ZooMethod.Stats, false), "mlp" => (ZooMethod.Mlp, false), "mlp+aug" => (ZooMethod.Mlp, true),
        "nfn" => (ZooMethod.Nfn, false), "nfn-np" => (ZooMethod.NfnNp, false), "gmn" => (ZooMethod.Gmn, false),
        _ => throw new ArgumentException($"unknown method {m}"),
    };
    var runs = new List<ZooPrediction>();
    for (int s = 0; s < splits; s++)
    {
        var r = ZooPredictor.Run(models, acc, new ZooPredictorOptions(method, augment, Seed: (ulong)s, Epochs: metaEpochs));
        Console.WriteLine($"{m,-8} split {s}: τ = {r.KendallTau:F3}, R² = {r.R2:F3} ({r.Seconds:F1} s)");
        runs.Add(r);
        rows.Add(new { method = m, split = s, tau = r.KendallTau, r2 = r.R2, seconds = r.Seconds, parameters = r.MetanetworkParameters, train = r.TrainModels, test = r.TestModels });
    }
    string Ms(Func<ZooPrediction, double> f) { var v = runs.Select(f).ToArray(); double mu = v.Average(); return $"{mu:F3} ± {Math.Sqrt(v.Sum(x => (x - mu) * (x - mu)) / Math.Max(1, v.Length - 1)):F3}"; }
    table.AppendLine($"| {m} | {Ms(r => r.KendallTau)} | {Ms(r => r.R2)} | {runs[0].MetanetworkParameters:N0} | {runs.Average(r => r.Seconds):F1} |");
}
Console.WriteLine(table);
File.WriteAllText(Path.Combine(results, "table.md"), table.ToString());
File.WriteAllText(Path.Combine(results, "runs.json"), JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));

static Graph TinyCnn()
{
    var b = new GraphBuilder("digits_tiny_cnn");
    var x = b.Input("input", 1, 8, 8);
    x = b.MaxPool2d(b.Activation(b.Conv2d(x, 4, 3, 1, 1, nodeName: "conv1"), Activation.Relu, "relu1"), 2, nodeName: "pool1");
    x = b.Activation(b.Conv2d(x, 8, 3, 1, 1, nodeName: "conv2"), Activation.Relu, "relu2");
    return b.Build(b.Linear(b.GlobalAvgPool(x, "pool2"), 10, "fc"));
}

static void Generate(int count, string dir)
{
    var inv = CultureInfo.InvariantCulture;
    var (train, test) = Datasets.Digits();
    var graph = TinyCnn();
    var entries = new List<ZooEntry>();
    var sw = Stopwatch.StartNew();
    int diverged = 0;
    for (int k = 0, attempt = 0; k < count; attempt++)
    {
        var rng = new Rng(1000 + (ulong)attempt);
        double lr = Math.Exp(Math.Log(1e-3) + rng.NextDouble() * Math.Log(100));            // Adam 1e-3 … 0.1, log-uniform
        double initScale = 0.25 + 2.25 * rng.NextDouble();                                 // 0.25 … 2.5
        int epochs = 1 + rng.NextInt(8);                                                    // 1 … 8
        double l2 = rng.NextDouble() < 0.2 ? 0 : Math.Exp(Math.Log(1e-5) + rng.NextDouble() * Math.Log(1e4)); // AdamW decay 0 or 1e-5 … 0.1
        double fraction = 0.05 + 0.95 * rng.NextDouble();                                   // 5 … 100 % of the training split
        var model = Model<float>.Initialize(graph, rng.Fork());
        foreach (var t in model.Parameters.Values) t.CopyFrom(t * (float)initScale);
        var subset = train.Subset(rng.Permutation(train.Count).Take(Math.Max(32, (int)(fraction * train.Count))));
        try
        {
            Trainer.Fit(model, subset, null, new Adam<float>(weightDecay: l2),
                new TrainOptions(epochs, 32, LearningRateSchedule.Constant(lr), (ulong)attempt) { EvaluateEachEpoch = false });
        }
        catch (InvalidOperationException) { diverged++; continue; }
        double accuracy = Trainer.Evaluate(model, test).Accuracy;
        var hyper = new Dictionary<string, string>
        {
            ["seed"] = attempt.ToString(inv), ["lr"] = lr.ToString("G4", inv), ["init_scale"] = initScale.ToString("G4", inv), ["epochs"] = epochs.ToString(inv),
            ["l2"] = l2.ToString("G4", inv), ["data_fraction"] = fraction.ToString("G4", inv),
        };
        string file = $"model_{k:D4}.safetensors";
        ModelFiles.Save(model, Path.Combine(dir, file), hyper.Append(new("test_accuracy", accuracy.ToString("R", inv))).ToDictionary());
        entries.Add(new ZooEntry(file, accuracy, hyper));
        k++;
        if (k % 20 == 0) Console.WriteLine($"zoo: {k}/{count} trained ({sw.Elapsed.TotalSeconds:F0} s, {diverged} diverged and redrawn)");
    }
    ZooIndex.Write(Path.Combine(dir, ZooIndex.FileName), entries);
    Console.WriteLine($"zoo: {count} models in {sw.Elapsed.TotalSeconds:F0} s ({diverged} diverged and redrawn)");
}
