using Noether.Nn;
using Noether.Nn.Data;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Alignment.Similarity;

/// <summary>One cell of a similarity table.</summary>
/// <param name="LayerA">Value of model A.</param>
/// <param name="LayerB">Value of model B.</param>
/// <param name="Measure">Measure used (its <see cref="SimilarityMeasure.Name"/>).</param>
/// <param name="Value">Similarity (1 = equal up to the measure's group).</param>
/// <param name="Pooled">True when the two layers' spatial sizes differ and both were averaged over pixels first.</param>
public sealed record SimilarityEntry(string LayerA, string LayerB, string Measure, double Value, bool Pooled);

/// <summary>Similarity of every layer of A with every layer of B.</summary>
/// <param name="LayersA">A's layers (rows).</param>
/// <param name="LayersB">B's layers (columns).</param>
/// <param name="Entries">Row-major cells: LayersA.Count × LayersB.Count.</param>
/// <param name="Samples">Data samples used.</param>
public sealed record SimilarityTable(IReadOnlyList<RepresentationLayer> LayersA, IReadOnlyList<RepresentationLayer> LayersB, IReadOnlyList<SimilarityEntry> Entries, int Samples)
{
    /// <summary>The cell of A's layer <paramref name="i"/> and B's layer <paramref name="j"/>.</summary>
    public SimilarityEntry this[int i, int j] => Entries[i * LayersB.Count + j];
}

/// <summary>What <see cref="RepresentationSimilarity.Compare"/> compares and how.</summary>
public sealed record SimilarityOptions
{
    /// <summary>The measure for every pair; null picks per pair the measure matching A's layer's derived group.</summary>
    public SimilarityMeasure? Measure { get; init; }

    /// <summary>A's layers by value name; null for one per hidden space (<see cref="RepresentationLayers.Of"/>).</summary>
    public IReadOnlyList<string>? LayersA { get; init; }

    /// <summary>B's layers by value name; null for one per hidden space.</summary>
    public IReadOnlyList<string>? LayersB { get; init; }

    /// <summary>Samples per forward pass.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>At most this many samples of the data are used (the first ones).</summary>
    public int MaxSamples { get; init; } = int.MaxValue;

    /// <summary>Names of the models in errors.</summary>
    public string NameA { get; init; } = "A";

    /// <summary>Names of the models in errors.</summary>
    public string NameB { get; init; } = "B";
}

/// <summary>
/// Representation similarity between two models: run both on the same data batch by batch, feed every pair of layers'
/// features to a streaming measure, and return the table. Memory is the measures' statistics, not the data set.
/// </summary>
public static class RepresentationSimilarity
{
    /// <summary>Compares every chosen layer of <paramref name="a"/> with every chosen layer of <paramref name="b"/> on <paramref name="data"/>.</summary>
    /// <param name="progress">Reports samples done.</param>
    /// <exception cref="ArgumentException">An unknown layer, models that take different inputs, or data that does not fit them.</exception>
    public static SimilarityTable Compare(Model<double> a, Model<double> b, Dataset data, SimilarityOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new SimilarityOptions();
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"batch size must be positive, got {options.BatchSize}");
        var inA = a.Graph.Inputs[0].Shape; var inB = b.Graph.Inputs[0].Shape;
        if (!inA.SequenceEqual(inB))
            throw new ShapeMismatchException($"similarity of {options.NameA} and {options.NameB}", "the models take different inputs", inA.ToArray(), inB.ToArray());
        if (!inA.SequenceEqual(data.SampleShape))
            throw new ShapeMismatchException($"similarity on data set '{data.Name}'", $"model {options.NameA}'s input differs from the data's samples", inA.ToArray(), data.SampleShape);
        var layersA = options.LayersA is null ? RepresentationLayers.Of(a.Graph, cancel: cancel) : RepresentationLayers.Resolve(a.Graph, options.LayersA, options.NameA, cancel: cancel);
        var layersB = options.LayersB is null ? RepresentationLayers.Of(b.Graph, cancel: cancel) : RepresentationLayers.Resolve(b.Graph, options.LayersB, options.NameB, cancel: cancel);
        if (layersA.Count == 0 || layersB.Count == 0)
            throw new ArgumentException($"No hidden layers to compare in {(layersA.Count == 0 ? options.NameA : options.NameB)}; name them with LayersA/LayersB (--layers)");

        var pairs = (from la in layersA from lb in layersB
                     let pooled = SpatialSize(la.Shape) != SpatialSize(lb.Shape)
                     let measure = options.Measure ?? la.DefaultMeasure
                     select (A: la, B: lb, Pooled: pooled, Measure: measure, Acc: measure.Start(la.Channels, lb.Channels))).ToArray();
        int n = Math.Min(data.Count, options.MaxSamples);
        var subset = n < data.Count ? data.Subset(Enumerable.Range(0, n)) : data;
        int done = 0;
        using (GradMode.NoGrad())
            foreach (var (x, _) in new DataLoader(subset, options.BatchSize, shuffle: false, new Rng(0)).Epoch<double>())
            {
                cancel.ThrowIfCancellationRequested();
                var pa = Executor.Forward(a, [x], training: false).Values;
                var pb = Executor.Forward(b, [x], training: false).Values;
                foreach (var p in pairs)
                {
                    var fa = pa[p.A.Value].Value; var fb = pb[p.B.Value].Value;
                    if (p.Pooled) { fa = PoolPixels(fa); fb = PoolPixels(fb); }
                    p.Acc.Add(fa, fb);
                }
                done += x.Dim(0);
                progress?.Report(done);
            }
        var entries = pairs.Select(p => new SimilarityEntry(p.A.Value, p.B.Value, p.Measure.Name, p.Acc.Value(), p.Pooled)).ToArray();
        return new SimilarityTable(layersA, layersB, entries, n);
    }

    private static int SpatialSize(int[] perSample) => perSample.Length == 3 ? perSample[1] * perSample[2] : perSample.Length == 2 ? perSample[0] : 1;

    /// <summary>[N, C, H, W] averaged over pixels to [N, C]; [N, T, C] over positions; others unchanged.</summary>
    private static Tensor<double> PoolPixels(Tensor<double> t) => t.Rank switch
    {
        4 => t.Reshape(t.Dim(0), t.Dim(1), -1).Mean(2),
        3 => t.Mean(1),
        _ => t,
    };
}
