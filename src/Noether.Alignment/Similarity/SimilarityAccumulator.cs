using Noether.Tensors;

namespace Noether.Alignment.Similarity;

/// <summary>
/// A similarity measure's running state over pairs of feature batches: call <see cref="Add"/> once per batch (A's and B's
/// features of the same samples), then <see cref="Value"/>. Only sufficient statistics are kept, so the data set never
/// has to fit in memory; adding the data in any number of batches gives the one-shot result.
/// </summary>
public abstract class SimilarityAccumulator
{
    /// <summary>Creates the state for features of <paramref name="channelsA"/> and <paramref name="channelsB"/> channels.</summary>
    protected SimilarityAccumulator(SimilarityMeasure measure, int channelsA, int channelsB)
    {
        if (channelsA < 1 || channelsB < 1) throw new ArgumentException($"{measure.Name}: features need at least one channel, got {channelsA} and {channelsB}");
        Measure = measure;
        ChannelsA = channelsA;
        ChannelsB = channelsB;
    }

    /// <summary>The measure being accumulated.</summary>
    public SimilarityMeasure Measure { get; }

    /// <summary>Channels of A's features.</summary>
    public int ChannelsA { get; }

    /// <summary>Channels of B's features.</summary>
    public int ChannelsB { get; }

    /// <summary>Rows seen so far (samples, times pixels for conv features).</summary>
    public long Rows { get; private set; }

    /// <summary>Adds A's and B's features of the same samples (batch first; conv pixels fold into rows).</summary>
    /// <exception cref="ShapeMismatchException">The sample or row counts differ, or the channels differ from the first batch's.</exception>
    public void Add(Tensor<double> a, Tensor<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank == 0 || b.Rank == 0 || a.Dim(0) != b.Dim(0))
            throw new ShapeMismatchException(Measure.Name, "features A and B must hold the same samples (equal leading axes)", a.ShapeArray(), b.ShapeArray());
        var (xa, rows, ca) = FeatureRows.Fold(a);
        var (xb, rowsB, cb) = FeatureRows.Fold(b);
        if (rows != rowsB)
            throw new ShapeMismatchException(Measure.Name, $"features A and B fold to different row counts ({rows} vs {rowsB}: spatial sizes differ)", a.ShapeArray(), b.ShapeArray());
        if (ca != ChannelsA || cb != ChannelsB)
            throw new ShapeMismatchException(Measure.Name, $"expected {ChannelsA} channels for A and {ChannelsB} for B", a.ShapeArray(), b.ShapeArray());
        if (rows == 0) return;
        AddRows(xa, xb, rows);
        Rows += rows;
    }

    /// <summary>The similarity of everything added so far: 1 for features equal up to the measure's group.</summary>
    /// <exception cref="InvalidOperationException">Too few rows for the measure.</exception>
    public abstract double Value();

    /// <summary>Adds <paramref name="rows"/> rows of row-major A ([rows, ChannelsA]) and B ([rows, ChannelsB]).</summary>
    protected abstract void AddRows(double[] a, double[] b, int rows);

    /// <summary>Throws unless at least <paramref name="minimum"/> rows were seen.</summary>
    protected void RequireRows(long minimum)
    {
        if (Rows < minimum)
            throw new InvalidOperationException($"{Measure.Name} needs at least {minimum} samples, got {Rows} (with fewer the estimate is undefined: NaN or negative)");
    }
}
