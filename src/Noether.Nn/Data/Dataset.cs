using System.Numerics;
using Noether.Tensors;

namespace Noether.Nn.Data;

/// <summary>
/// A labelled classification data set held in memory as float32 samples of one per-sample shape.
/// Immutable; <see cref="WithSampleShape"/> and <see cref="Subset"/> return new views.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly int[] _index;

    /// <summary>Creates a data set from row-major samples and labels.</summary>
    public Dataset(string name, float[] features, int[] sampleShape, int[] labels, int classes)
        : this(name, features, sampleShape, labels, classes, Enumerable.Range(0, labels.Length).ToArray()) { }

    private Dataset(string name, float[] features, int[] sampleShape, int[] labels, int classes, int[] index)
    {
        int size = Shapes.Size(sampleShape);
        if (features.Length != (long)labels.Length * size)
            throw new ShapeMismatchException($"Dataset '{name}'", $"{features.Length} feature values do not form {labels.Length} samples", sampleShape, [labels.Length]);
        foreach (var l in labels) if ((uint)l >= (uint)classes) throw new ArgumentException($"Dataset '{name}': label {l} outside [0, {classes})");
        Name = name; _features = features; SampleShape = (int[])sampleShape.Clone(); _labels = labels; Classes = classes; _index = index;
    }

    /// <summary>A short name such as <c>digits/train</c>.</summary>
    public string Name { get; }
    /// <summary>Per-sample shape.</summary>
    public int[] SampleShape { get; }
    /// <summary>Number of classes.</summary>
    public int Classes { get; }
    /// <summary>Number of samples.</summary>
    public int Count => _index.Length;
    /// <summary>Label of sample i.</summary>
    public int Label(int i) => _labels[_index[i]];

    /// <summary>The same samples seen with another per-sample shape of equal size (e.g. [1, 8, 8] → [64]).</summary>
    public Dataset WithSampleShape(params int[] shape)
    {
        if (Shapes.Size(shape) != Shapes.Size(SampleShape)) throw new ShapeMismatchException($"Dataset '{Name}'", "sample sizes differ", SampleShape, shape);
        return new Dataset(Name, _features, shape, _labels, Classes, _index);
    }

    /// <summary>The samples at the given positions.</summary>
    public Dataset Subset(IEnumerable<int> positions, string? name = null) => new(name ?? Name, _features, SampleShape, _labels, Classes, positions.Select(p => _index[p]).ToArray());

    /// <summary>Gathers samples into a batch tensor [n, …shape] and their labels.</summary>
    public (Tensor<T> X, int[] Y) Batch<T>(ReadOnlySpan<int> positions) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = Shapes.Size(SampleShape);
        var x = new Tensor<T>([positions.Length, .. SampleShape]);
        var xs = x.Span;
        var y = new int[positions.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            int src = _index[positions[i]];
            var row = _features.AsSpan(src * size, size);
            for (int j = 0; j < size; j++) xs[i * size + j] = T.CreateTruncating(row[j]);
            y[i] = _labels[src];
        }
        return (x, y);
    }

    /// <summary>Writes samples into <paramref name="x"/> (row-major, one sample after another) and their labels into <paramref name="y"/>, without allocating.</summary>
    internal void GatherInto<T>(ReadOnlySpan<int> positions, Span<T> x, Span<int> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = Shapes.Size(SampleShape);
        for (int i = 0; i < positions.Length; i++)
        {
            int src = _index[positions[i]];
            var row = _features.AsSpan(src * size, size);
            var dst = x.Slice(i * size, size);
            if (typeof(T) == typeof(float)) row.CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(dst));
            else for (int j = 0; j < size; j++) dst[j] = T.CreateTruncating(row[j]);
            y[i] = _labels[src];
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Count} samples of {Shapes.Format(SampleShape)}, {Classes} classes";
}
