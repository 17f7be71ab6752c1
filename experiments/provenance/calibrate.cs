#:project ../../src/Noether.Alignment/Noether.Alignment.csproj
#:project ../../src/Noether.Plots/Noether.Plots.csproj
#:property PublishAot=false
// Calibration of the provenance test (issue 16, must-show 2) on small Llama-shaped models built with the graph IR.
//   independent pairs: two models from independent seeds (random init; with --train-independent also trained) → p spread over (0, 1]
//   copies of a base model A (A trained --pretrain steps on a synthetic Markov-chain next-token task):
//     transformed   A moved by a random element of its derived group (norm gains folded first: O(d) stream, SwiGLU scalings, heads, rotary pairs)
//     fine-tuned    A trained --finetune more steps on another Markov chain
//     both          transformed, then fine-tuned
//     narrowed      A with a random 75 % of every MLP's units kept (shuffled)
//     shallower     A without layer 2
// Writes results.csv (every layer of every case), pairs.csv (one row per pair) and hist.{png,svg,csv} to --out.
// Usage: dotnet run -c Release experiments/provenance/calibrate.cs -- [--pairs 20] [--layers 4] [--model 256] [--mlp 512] [--vocab 512] [--seq 16]
//        [--pretrain 300] [--finetune 300] [--batch 16] [--narrow-finetune 1] [--permutations 999] [--train-independent 0] [--out experiments/provenance/results]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Noether.Alignment.Provenance;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Training;
using Noether.Plots;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Transforms;
using Noether.Tensors;

var opt = Args.Parse(args);
int pairs = opt.Int("pairs", 20), layers = opt.Int("layers", 4), width = opt.Int("model", 256), mlp = opt.Int("mlp", 512), vocab = opt.Int("vocab", 512), seq = opt.Int("seq", 16);
int pretrain = opt.Int("pretrain", 300), finetune = opt.Int("finetune", 300), batch = opt.Int("batch", 16), narrowFinetune = opt.Int("narrow-finetune", 1), T = opt.Int("permutations", 999), trainIndependent = opt.Int("train-independent", 0);
string outDir = opt.Str("out", "experiments/provenance/results");
Directory.CreateDirectory(outDir);
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Graph Net(int units = -1, int depth = -1) => ToyLlama.Build(vocab, seq, width, depth < 0 ? layers : depth, heads: 8, kvHeads: 4, mlp: [units < 0 ? mlp : units]);
var options = new ProvenanceOptions(T, Seed: 1);
var rows = new StringBuilder("case,pair,test,layer_a,layer_b,units_a,units_b,rho,agreement,p_value\n");
var pairRows = new StringBuilder("case,pair,test,fisher_p,fisher_log10_p,harmonic_mean_p,verdict,seconds\n");
var clock = Stopwatch.StartNew();
Console.WriteLine($"Llama-shaped: {layers} layers, d = {width}, MLP {mlp}, 8 heads / 4 KV, vocab {vocab}, {seq} tokens; {Net().TrainableParameterCount:N0} parameters; T = {T} (floor {1.0 / (T + 1):G3})");

ProvenanceReport Test(string name, int pair, Model<float> a, Model<float> b, bool activations = false)
{
    var sw = Stopwatch.StartNew();
    var r = activations
        ? ProvenanceTest.Activations(a, b, options with { Evidence = ProvenanceEvidence.Activations, Samples = 64 })
        : ProvenanceTest.Weights(new ModelParameterSource<float>(a, "A"), new ModelParameterSource<float>(b, "B"), options);
    string test = activations ? "activations" : "weights";
    Flush();
    foreach (var l in r.Layers)
        rows.AppendLine($"{name},{pair},{test},{l.LayerA},{l.LayerB},{l.UnitsA},{l.UnitsB},{l.Rho:G6},{l.Agreement:G4},{l.PValue:G6}");
    pairRows.AppendLine($"{name},{pair},{test},{r.Fisher:G6},{r.FisherLog10:G6},{r.HarmonicMean:G6},{r.Verdict.ToString().ToLowerInvariant()},{sw.Elapsed.TotalSeconds:F2}");
    Flush();
    Console.WriteLine($"  {name,-12} {pair,3} {test,-11} ρ = [{string.Join(" ", r.Layers.Select(l => l.Rho.ToString("F2")))}]  p = [{string.Join(" ", r.Layers.Select(l => l.PValue.ToString("G3")))}]  HMP {r.HarmonicMean:G3}  Fisher {r.FormatFisher()}  {r.Verdict}  ({sw.Elapsed.TotalSeconds:F1} s)");
    return r;
}

// Results so far, rewritten after every test (a long run interrupted keeps what it measured).
void Flush()
{
    File.WriteAllText(Path.Combine(outDir, "results.csv"), rows.ToString());
    File.WriteAllText(Path.Combine(outDir, "pairs.csv"), pairRows.ToString());
}

// A synthetic language: a random sparse Markov chain over the vocabulary; predict the token after a sequence.
Dataset Chain(ulong seed, int samples)
{
    var rng = new Rng(seed);
    var next = Enumerable.Range(0, vocab).Select(_ => Enumerable.Range(0, 3).Select(_ => rng.NextInt(vocab)).ToArray()).ToArray();
    var x = new float[samples * seq * vocab];
    var y = new int[samples];
    for (int n = 0; n < samples; n++)
    {
        int t = rng.NextInt(vocab);
        for (int s = 0; s < seq; s++)
        {
            x[(n * seq + s) * vocab + t] = 1;
            t = next[t][rng.NextInt(3)];
        }
        y[n] = t;
    }
    return new Dataset($"markov-{seed}", x, [seq, vocab], y, vocab);
}

Model<float> Train(Model<float> m, Dataset data, int steps, ulong seed)
{
    if (steps == 0) return m;
    var sw = Stopwatch.StartNew();
    var trained = m.Clone();
    var o = new TrainOptions(1_000, batch, LearningRateSchedule.Cosine(1e-3), seed) { MaxSteps = steps, EvaluateEachEpoch = false };
    Trainer.Fit(trained, data, null, new Adam<float>(), o);
    var e = Trainer.Evaluate(trained, data.Subset(Enumerable.Range(0, 512)));
    Console.WriteLine($"    trained {steps} steps on {data.Name}: loss {e.Loss:F3}, accuracy {e.Accuracy:P1} ({sw.Elapsed.TotalSeconds:F0} s)");
    return trained;
}

Model<float> Transformed(Model<float> m, ulong seed)
{
    var folded = NormFolding.FoldRmsNormGains(m.Cast<double>());
    var spec = SymmetryDeriver.Derive(folded.Graph);
    return GroupAction.Apply(folded, spec, spec.Random(new Rng(seed))).Cast<float>();
}

// 1. Independent pairs.
Console.WriteLine($"independent pairs ({pairs}):");
var chainA = Chain(7, 4096);
for (int k = 0; k < pairs; k++)
{
    var a = Model<float>.Initialize(Net(), new Rng(1000 + 2 * (ulong)k));
    var b = Model<float>.Initialize(Net(), new Rng(1001 + 2 * (ulong)k));
    if (k < trainIndependent) { a = Train(a, chainA, pretrain, (ulong)k); b = Train(b, chainA, pretrain, 100 + (ulong)k); }
    Test(k < trainIndependent ? "indep-trained" : "independent", k, a, b);
    if (k < 5) Test(k < trainIndependent ? "indep-trained" : "independent", k, a, b, activations: true);
}

// 2. Copies of a (pre-trained) base model.
Console.WriteLine("copies of a base model:");
var baseModel = Train(Model<float>.Initialize(Net(), new Rng(1)), chainA, pretrain, 1);
var chainB = Chain(8, 4096);
var transformed = Transformed(baseModel, 42);
var finetuned = Train(baseModel, chainB, finetune, 2);
var both = Train(transformed, chainB, finetune, 3);
var relChange = Math.Sqrt(baseModel.Parameters.Sum(p => Sq(p.Value - finetuned[p.Key])) / baseModel.Parameters.Sum(p => Sq(p.Value)));
Console.WriteLine($"    fine-tuning moved the weights by {relChange:P1} (relative L2)");
foreach (var (name, b) in new[] { ("identical", baseModel.Clone()), ("transformed", transformed), ("fine-tuned", finetuned), ("both", both) })
{
    Test(name, 0, baseModel, b);
    Test(name, 0, baseModel, b, activations: true);
}

// 3. Narrowed (75 % of the units of every MLP, shuffled) and shallower (layer 2 removed) copies of the fine-tuned-and-transformed model's source.
int kept = mlp * 3 / 4;
var keep = new Rng(5).Permutation(mlp).Take(kept).ToArray();
var narrowGraph = Net(units: kept);
var narrow = new Model<float>(narrowGraph, narrowGraph.Parameters.ToDictionary(p => p.Name, p =>
    p.Name.Contains("gate_proj") || p.Name.Contains("up_proj") ? PickRows(baseModel[p.Name], keep)
    : p.Name.Contains("down_proj") ? PickRows(baseModel[p.Name].Transpose().Contiguous(), keep).Transpose().Contiguous() : baseModel[p.Name].Clone()));
Test("narrowed", 0, baseModel, narrow);
if (narrowFinetune != 0) Test("narrowed+ft", 0, baseModel, Train(narrow, chainB, finetune, 4));
if (layers > 2)
{
    var source = Enumerable.Range(0, layers).Where(l => l != 2).ToArray();
    var shallowGraph = Net(depth: layers - 1);
    var shallow = new Model<float>(shallowGraph, shallowGraph.Parameters.ToDictionary(p => p.Name, p =>
    {
        var name = p.Name;
        for (int k = 0; k < source.Length; k++) name = name.Replace($"model.layers.{k}.", $"model.layers.@{source[k]}.");
        return baseModel[name.Replace("@", "")].Clone();
    }));
    Test("shallower", 0, baseModel, shallow);
}

File.WriteAllText(Path.Combine(outDir, "results.csv"), rows.ToString());
File.WriteAllText(Path.Combine(outDir, "pairs.csv"), pairRows.ToString());

// Histogram of the independent pairs' p-values (weights test): per layer, and per pair (harmonic mean, Fisher).
var layerP = rows.ToString().Split('\n').Skip(1).Where(l => l.StartsWith("indep") && l.Contains(",weights,")).Select(l => double.Parse(l.Split(',')[^1])).ToArray();
var pairLines = pairRows.ToString().Split('\n').Skip(1).Where(l => l.StartsWith("indep") && l.Contains(",weights,")).Select(l => l.Split(',')).ToArray();
var hmp = pairLines.Select(f => double.Parse(f[5])).ToArray();
var fisher = pairLines.Select(f => double.Parse(f[3])).ToArray();
const int bins = 10;
double[] centres = Enumerable.Range(0, bins).Select(i => (i + 0.5) / bins).ToArray();
double[] Counts(double[] p) => Enumerable.Range(0, bins).Select(i => (double)p.Count(v => Math.Min(bins - 1, (int)(v * bins)) == i)).ToArray();
PlotFiles.Write(new LinePlot($"Provenance test, {pairs} independent pairs: p-values by decile (T = {T})", "p-value (bin centre)", "count",
[
    new Series($"per layer ({layerP.Length})", centres, Counts(layerP)),
    new Series($"harmonic-mean p per pair ({hmp.Length})", centres, Counts(hmp)),
    new Series($"Fisher p per pair ({fisher.Length})", centres, Counts(fisher)),
]), Path.Combine(outDir, "hist"));
Console.WriteLine($"independent: per-layer p min {layerP.Min():G3}, median {Median(layerP):G3}; pairs with HMP ≤ 0.01: {hmp.Count(v => v <= 0.01)}/{hmp.Length}; Fisher ≤ 0.01: {fisher.Count(v => v <= 0.01)}/{fisher.Length}");
Console.WriteLine($"wrote {outDir}/results.csv, pairs.csv, hist.png/svg/csv in {clock.Elapsed.TotalMinutes:F1} min");

static double Median(double[] v) { var s = v.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
static double Sq(Tensor<float> t) { double s = 0; foreach (var v in t.Contiguous().Span) s += (double)v * v; return s; }
static Tensor<float> PickRows(Tensor<float> t, int[] rows)
{
    int w = t.Dim(1);
    var data = new float[rows.Length * w];
    var span = t.Contiguous().Span;
    for (int i = 0; i < rows.Length; i++) span.Slice(rows[i] * w, w).CopyTo(data.AsSpan(i * w, w));
    return Tensor<float>.FromArray(data, rows.Length, w);
}

sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"calibrate.cs: expected --name value, got '{args[i]}'");
            d[args[i][2..]] = args[i + 1];
        }
        return new Args(d);
    }
    public int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public string Str(string name, string fallback) => values.TryGetValue(name, out var v) ? v : fallback;
}
