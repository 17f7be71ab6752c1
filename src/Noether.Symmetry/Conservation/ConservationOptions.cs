namespace Noether.Symmetry.Conservation;

/// <summary>The loss a model is trained with, as far as conservation laws care.</summary>
public enum TrainingLoss
{
    /// <summary>Softmax cross-entropy on the logits: adds softmax-translation laws.</summary>
    CrossEntropy,
    /// <summary>Mean squared error (or any loss not invariant to shifting the outputs).</summary>
    MeanSquaredError,
}

/// <summary>What <see cref="ConservationLaws.Derive(Noether.Nn.Graph, Derivation.WeightSpaceSpec, ConservationOptions?)"/> takes into account beyond the graph.</summary>
/// <param name="Loss">The training loss.</param>
/// <param name="Frozen">Parameters that are not trained (e.g. a LoRA base model); laws that move them are dropped.</param>
/// <param name="TrainingModeNorms">BatchNorm uses batch statistics (training), which makes it scale and shift invariant.</param>
public sealed record ConservationOptions(TrainingLoss Loss = TrainingLoss.CrossEntropy, IReadOnlySet<string>? Frozen = null, bool TrainingModeNorms = true)
{
    /// <summary>Cross-entropy, everything trained, BatchNorm in training mode.</summary>
    public static ConservationOptions Default { get; } = new();

    /// <inheritdoc />
    public bool Equals(ConservationOptions? other) => other is not null && Loss == other.Loss && TrainingModeNorms == other.TrainingModeNorms
        && (Frozen ?? new HashSet<string>()).SetEquals(other.Frozen ?? new HashSet<string>());

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Loss, TrainingModeNorms, Frozen?.Count ?? 0);
}
