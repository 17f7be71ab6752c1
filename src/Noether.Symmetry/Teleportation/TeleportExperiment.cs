using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Symmetry.Teleportation;

/// <summary>
/// The multi-layer regression of Zhao et al. (2022, §6 and their <c>multi_layer_regression.py</c>): sizes
/// [n, d₀, d₁, …, d_L] mean n samples X ∈ [0,1)^{n×d₀}, targets Y ∈ [0,1)^{n×d_L}, and Linear layers d₀ → d₁ → … → d_L
/// (no biases by default) with LeakyReLU(α) between them; all weights are drawn from U[0, 1) as in their code.
/// Full-batch gradient descent, teleporting once before epoch <see cref="TeleportAt"/>; by default the teleport is
/// guarded by the descent learning rate (<see cref="GuardTeleport"/>).
/// </summary>
public sealed record TeleportExperimentOptions
{
    /// <summary>[samples, inputs, hidden…, outputs]; the reference is [4, 5, 6, 7, 8].</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [4, 5, 6, 7, 8];
    /// <summary>LeakyReLU slope.</summary>
    public double Slope { get; init; } = 0.1;
    /// <summary>Whether the Linear layers have biases (the reference has none).</summary>
    public bool Bias { get; init; }
    /// <summary>Gradient-descent learning rate.</summary>
    public double LearningRate { get; init; } = 1e-4;
    /// <summary>Epochs (full-batch steps).</summary>
    public int Epochs { get; init; } = 300;
    /// <summary>0-based epoch before whose step the teleport happens.</summary>
    public int TeleportAt { get; init; } = 5;
    /// <summary>The loss.</summary>
    public RegressionLoss Loss { get; init; } = RegressionLoss.HalfSumOfSquares;
    /// <summary>Teleport settings.</summary>
    public TeleportOptions Teleport { get; init; } = new();
    /// <summary>
    /// Guard the ascent with the descent learning rate (<see cref="TeleportOptions.DescentLearningRate"/> set to
    /// <see cref="LearningRate"/> unless <see cref="Teleport"/> sets one); false runs Zhao et al.'s plain ascent.
    /// </summary>
    public bool GuardTeleport { get; init; } = true;

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Sizes.Count < 4) throw new ArgumentException($"teleport experiment: sizes [{string.Join(", ", Sizes)}] need at least samples, inputs, one hidden width and outputs");
        if (Sizes.Any(s => s < 1)) throw new ArgumentException($"teleport experiment: sizes [{string.Join(", ", Sizes)}] must be positive");
        if (!(Slope > 0)) throw new ArgumentException($"teleport experiment: the LeakyReLU slope must be positive (invertible), got {Slope}");
        if (Epochs < 1) throw new ArgumentException($"teleport experiment: epochs must be positive, got {Epochs}");
        if (TeleportAt < 0 || TeleportAt >= Epochs) throw new ArgumentException($"teleport experiment: the teleport epoch {TeleportAt} is outside [0, {Epochs})");
        if (!(LearningRate > 0)) throw new ArgumentException($"teleport experiment: the learning rate must be positive, got {LearningRate}");
        Teleport.Validate();
    }
}

/// <summary>One seed of <see cref="TeleportExperiment"/>: the same start trained with and without the teleport.</summary>
/// <param name="Seed">The seed of data and weights.</param>
/// <param name="Plain">Gradient descent alone.</param>
/// <param name="Teleported">Gradient descent with the teleport.</param>
/// <param name="Teleport">The teleport itself.</param>
public sealed record TeleportExperimentRun(ulong Seed, GradientDescentRun Plain, GradientDescentRun Teleported, TeleportResult Teleport);

/// <summary>Runs the reference setting for one seed.</summary>
public static class TeleportExperiment
{
    /// <summary>The MLP of the setting: Linear d₀ → d₁ → … → d_L with LeakyReLU(slope) between, layers named <c>layers.i</c>.</summary>
    public static Graph BuildGraph(TeleportExperimentOptions options)
    {
        var b = new GraphBuilder("teleport_mlp");
        var h = b.Input("input", options.Sizes[1]);
        int node = 0;
        for (int i = 2; i < options.Sizes.Count; i++)
        {
            h = b.Linear(h, options.Sizes[i], $"layers.{node++}", options.Bias);
            if (i < options.Sizes.Count - 1) h = b.Activation(h, Activation.LeakyRelu(options.Slope), $"layers.{node++}");
        }
        return b.Build(h);
    }

    /// <summary>Data (X, Y) and initial weights of <paramref name="seed"/>, every entry from U[0, 1).</summary>
    public static (Model<double> Model, Tensor<double> X, Tensor<double> Y) Create(TeleportExperimentOptions options, ulong seed)
    {
        options.Validate();
        var rng = new Rng(seed);
        var graph = BuildGraph(options);
        var model = new Model<double>(graph, graph.Parameters.ToDictionary(p => p.Name, p => Tensor<double>.RandomUniform(rng, 0, 1, p.Shape)));
        var x = Tensor<double>.RandomUniform(rng, 0, 1, options.Sizes[0], options.Sizes[1]);
        var y = Tensor<double>.RandomUniform(rng, 0, 1, options.Sizes[0], options.Sizes[^1]);
        return (model, x, y);
    }

    /// <summary>Trains the seed's start with and without the teleport.</summary>
    public static TeleportExperimentRun Run(TeleportExperimentOptions options, ulong seed, CancellationToken cancel = default)
    {
        var (model, x, y) = Create(options, seed);
        var loss = RegressionLosses.Create(options.Loss, y);
        var plain = FullBatchGradientDescent.Run(model, x, loss, options.LearningRate, options.Epochs, cancel: cancel);
        TeleportResult? teleport = null;
        var callback = Teleporter.AtSteps(x, loss, [options.TeleportAt], options.GuardTeleport ? options.Teleport with { DescentLearningRate = options.Teleport.DescentLearningRate ?? options.LearningRate } : options.Teleport, (_, r) => teleport = r);
        var teleported = FullBatchGradientDescent.Run(model, x, loss, options.LearningRate, options.Epochs, callback, cancel);
        return new TeleportExperimentRun(seed, plain, teleported, teleport!);
    }
}
