namespace Noether.Nn.Training;

/// <summary>How <see cref="ModelBatch{T}"/> multiplies each layer for the models of a thread's share.</summary>
public enum StackedKernel
{
    /// <summary>One packed GEMM per model in a loop, each with the operands and strides the sequential trainer uses.</summary>
    GemmLoop,
    /// <summary>One batched <see cref="Noether.Tensors.Tensor{T}.MatMul"/> over the stacked [models, rows, cols] views.</summary>
    BatchedMatMul,
    /// <summary>
    /// A register-blocked kernel per model for these small products (rows of C built as Σ_p A[i, p]·B[p, :]), no
    /// packing; each element summed in the packed GEMM's order, so results are bit-identical to it. The fastest here.
    /// </summary>
    SmallGemm,
}

/// <summary>Settings of a <see cref="ModelBatch{T}"/> training run (the per-model seeds belong to the batch).</summary>
/// <param name="Epochs">Passes over the training set.</param>
/// <param name="BatchSize">Samples per step, for every model.</param>
/// <param name="LearningRate">Step size, shared by every model (each takes the same number of steps).</param>
public sealed record ModelBatchOptions(int Epochs, int BatchSize, LearningRateSchedule LearningRate)
{
    /// <summary>Stop after this many steps (within an epoch if need be); null runs every epoch.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Threads sharing the models (each trains its share of whole models); 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>How layers are multiplied.</summary>
    public StackedKernel Kernel { get; init; } = StackedKernel.SmallGemm;
}

/// <summary>Metrics of one epoch of a <see cref="ModelBatch{T}"/>.</summary>
/// <param name="Epoch">Epoch, from 1.</param>
/// <param name="TrainLoss">Per model, the mean mini-batch loss over the epoch's samples.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record ModelBatchEpoch(int Epoch, IReadOnlyList<double> TrainLoss, double Seconds);
