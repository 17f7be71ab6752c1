using System.Globalization;

namespace Noether.Nn.Zoo;

/// <summary>
/// The training settings of one zoo model, sampled by a <see cref="ZooRecipe"/>: everything needed to train it again
/// bit for bit. Stored in each checkpoint's metadata (see <see cref="ToMetadata"/>).
/// </summary>
/// <param name="Optimizer"><c>sgd</c> (momentum 0.9) or <c>adam</c>.</param>
/// <param name="LearningRate">Peak learning rate (cosine decay over the run).</param>
/// <param name="InitScale">Factor applied to every initial weight matrix and kernel (biases untouched).</param>
/// <param name="Dropout">Dropout probability after each hidden activation while training (0: none).</param>
/// <param name="L2">L2 penalty coefficient (coupled weight decay).</param>
/// <param name="TrainFraction">Fraction of the training set used (a seeded subset).</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="Activation">Hidden activation (<c>relu</c>, <c>tanh</c> or <c>gelu</c>).</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="Seed">Seed of initialisation, subset, data order and dropout.</param>
public sealed record ZooHyperparameters(string Optimizer, double LearningRate, double InitScale, double Dropout, double L2,
    double TrainFraction, int Epochs, string Activation, int BatchSize, ulong Seed)
{
    /// <summary>
    /// The epochs at which the model is checkpointed: 1, the middle epoch and the last (distinct, ascending), as the
    /// Small CNN Zoo keeps several points of each run.
    /// </summary>
    public IReadOnlyList<int> CheckpointEpochs => new SortedSet<int> { 1, (Epochs + 1) / 2, Epochs }.ToArray();

    /// <summary>The settings as metadata strings (invariant culture, round-trip precision).</summary>
    public IReadOnlyDictionary<string, string> ToMetadata() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["optimizer"] = Optimizer,
        ["learning_rate"] = Format(LearningRate),
        ["init_scale"] = Format(InitScale),
        ["dropout"] = Format(Dropout),
        ["l2"] = Format(L2),
        ["train_fraction"] = Format(TrainFraction),
        ["epochs"] = Epochs.ToString(CultureInfo.InvariantCulture),
        ["activation"] = Activation,
        ["batch_size"] = BatchSize.ToString(CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads settings written by <see cref="ToMetadata"/>.</summary>
    /// <exception cref="FormatException">A key is missing or a value does not parse.</exception>
    public static ZooHyperparameters FromMetadata(IReadOnlyDictionary<string, string> m)
    {
        string Get(string key) => m.TryGetValue(key, out var v) ? v : throw new FormatException($"zoo hyperparameters: missing '{key}'");
        double D(string key) => double.TryParse(Get(key), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new FormatException($"zoo hyperparameters: '{key}' = '{Get(key)}' is not a number");
        int I(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new FormatException($"zoo hyperparameters: '{key}' = '{Get(key)}' is not an integer");
        ulong U(string key) => ulong.TryParse(Get(key), NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : throw new FormatException($"zoo hyperparameters: '{key}' = '{Get(key)}' is not a seed");
        return new(Get("optimizer"), D("learning_rate"), D("init_scale"), D("dropout"), D("l2"), D("train_fraction"), I("epochs"),
            Get("activation"), I("batch_size"), U("seed"));
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
