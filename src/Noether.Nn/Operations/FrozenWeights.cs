using System.Collections.Concurrent;
using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// The frozen entries of a W-asymmetric layer (Lim et al., NeurIPS 2024): in every output row of the weight,
/// <see cref="PerRow"/> entries chosen at random are fixed to N(0, 1)·<see cref="Kappa"/> and never trained.
/// Which entries and their values follow from <see cref="Seed"/> alone (the project's <see cref="Rng"/>, never a
/// salted hash), so the op record — and with it the graph JSON inside a model file — rebuilds them bit for bit.
/// </summary>
/// <param name="PerRow">Frozen entries per output row (at most the row's length).</param>
/// <param name="Kappa">Scale of the fixed Gaussian values.</param>
/// <param name="Seed">Seed of the mask and the values.</param>
public sealed record FrozenWeights(int PerRow, double Kappa, ulong Seed)
{
    private static readonly ConcurrentDictionary<(FrozenWeights, int, int), FrozenPattern> s_patterns = new();

    /// <summary>Throws unless the settings fit rows of <paramref name="rowLength"/> entries.</summary>
    public void Validate(string kind, int[] weightShape, int rowLength)
    {
        if (PerRow < 1 || PerRow > rowLength)
            throw new ShapeMismatchException(kind, $"frozen entries per row must be in 1..{rowLength} (the row length), got {PerRow}", weightShape);
        if (!double.IsFinite(Kappa) || Kappa == 0)
            throw new ShapeMismatchException(kind, $"κ of the frozen entries must be finite and non-zero, got {Kappa}", weightShape);
    }

    /// <summary>The mask and values for a weight of <paramref name="rows"/> rows of <paramref name="rowLength"/> entries (cached).</summary>
    public FrozenPattern Pattern(int rows, int rowLength) => s_patterns.GetOrAdd((this, rows, rowLength), k => new FrozenPattern(k.Item1, k.Item2, k.Item3));

    /// <summary>A deterministic per-layer seed from a model-wide seed (SplitMix64 of seed and layer index).</summary>
    public static ulong LayerSeed(ulong seed, int layer)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(layer + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>The frozen entries of one weight: flat indices (row-major, ascending within each row) and their values.</summary>
public sealed class FrozenPattern
{
    private readonly ConcurrentDictionary<(Type, string), (object Keep, object Fixed)> _typed = new();

    internal FrozenPattern(FrozenWeights settings, int rows, int rowLength)
    {
        Rows = rows; RowLength = rowLength;
        int k = Math.Clamp(settings.PerRow, 0, rowLength);
        Indices = new int[rows * k];
        Values = new double[rows * k];
        var rng = new Rng(settings.Seed);
        var columns = new int[rowLength];
        for (int r = 0; r < rows; r++)
        {
            // Partial Fisher–Yates: the first k of a fresh random arrangement of 0..rowLength−1.
            for (int j = 0; j < rowLength; j++) columns[j] = j;
            for (int j = 0; j < k; j++)
            {
                int pick = j + rng.NextInt(rowLength - j);
                (columns[j], columns[pick]) = (columns[pick], columns[j]);
            }
            Array.Sort(columns, 0, k);
            for (int j = 0; j < k; j++)
            {
                Indices[r * k + j] = r * rowLength + columns[j];
                Values[r * k + j] = rng.NextNormal() * settings.Kappa;
            }
        }
        PerRow = k;
    }

    /// <summary>Rows of the weight (output features or channels).</summary>
    public int Rows { get; }
    /// <summary>Entries per row.</summary>
    public int RowLength { get; }
    /// <summary>Frozen entries per row.</summary>
    public int PerRow { get; }
    /// <summary>Flat indices of the frozen entries, row by row.</summary>
    public int[] Indices { get; }
    /// <summary>The fixed values, aligned with <see cref="Indices"/>.</summary>
    public double[] Values { get; }

    /// <summary>1 on trainable entries and 0 on frozen ones, and the fixed values on frozen entries (0 elsewhere), in T.</summary>
    public (Tensor<T> Keep, Tensor<T> Fixed) Tensors<T>(int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (shape.Aggregate(1L, (p, d) => p * d) != (long)Rows * RowLength)
            throw new ShapeMismatchException("FrozenPattern", $"expects a weight of {Rows}×{RowLength} entries", shape);
        var (keep, fix) = _typed.GetOrAdd((typeof(T), string.Join(",", shape)), _ =>
        {
            var k = new T[Rows * RowLength]; Array.Fill(k, T.One);
            var f = new T[Rows * RowLength];
            for (int i = 0; i < Indices.Length; i++) { k[Indices[i]] = T.Zero; f[Indices[i]] = T.CreateChecked(Values[i]); }
            return (Tensor<T>.FromArray(k, shape), Tensor<T>.FromArray(f, shape));
        });
        return ((Tensor<T>)keep, (Tensor<T>)fix);
    }

    /// <summary>Writes the fixed values into a weight tensor's frozen entries (in place).</summary>
    public void Impose<T>(Tensor<T> weight) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weight.Length != Rows * RowLength) throw new ShapeMismatchException("FrozenPattern", $"expects a weight of {Rows}×{RowLength} entries", weight.ShapeArray());
        var span = weight.Span;
        for (int i = 0; i < Indices.Length; i++) span[Indices[i]] = T.CreateChecked(Values[i]);
    }

    /// <summary>True when every frozen entry of the weight holds its fixed value exactly.</summary>
    public bool Holds<T>(Tensor<T> weight) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var span = weight.Contiguous().Span;
        for (int i = 0; i < Indices.Length; i++) if (span[Indices[i]] != T.CreateChecked(Values[i])) return false;
        return true;
    }
}

/// <summary>The op's own initialiser, then the frozen entries set to their fixed values.</summary>
public sealed record FrozenInit(Initializer Base, FrozenWeights Frozen, int Rows, int RowLength) : Initializer
{
    /// <inheritdoc />
    public override Tensor<T> Create<T>(Rng rng, int[] shape)
    {
        var t = Base.Create<T>(rng, shape).Contiguous();
        Frozen.Pattern(Rows, RowLength).Impose(t);
        return t;
    }
}

/// <summary>The forward-pass parametrisation of W-asymmetric layers.</summary>
public static class FrozenWeight
{
    /// <summary>W ⊙ (1 − M) + F ⊙ M: the stored weight with its frozen entries replaced by the fixed values (W itself when no pattern).</summary>
    public static Variable<T> Effective<T>(Variable<T> weight, FrozenPattern? pattern, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pattern is null) return weight;
        var (keep, fix) = pattern.Tensors<T>(shape);
        return weight * Variable<T>.Constant(keep) + Variable<T>.Constant(fix);
    }

    /// <summary>The stored weight with its frozen entries set to the fixed values (a copy; the tensor itself when no pattern).</summary>
    public static Tensor<T> Effective<T>(Tensor<T> weight, FrozenPattern? pattern) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pattern is null) return weight;
        var copy = weight.Contiguous().Clone();
        pattern.Impose(copy);
        return copy;
    }

    /// <summary>", W-asymmetric (k frozen per row, κ …, seed …)" or empty.</summary>
    public static string Describe(FrozenWeights? f) => f is null ? "" : $", W-asymmetric ({f.PerRow} frozen per row, κ {f.Kappa}, seed {f.Seed})";

    /// <summary>The frozen pattern of a parameter (by its slot's initialiser), or null.</summary>
    public static FrozenPattern? Of(ParameterSlot slot) => slot.Init is FrozenInit fi ? fi.Frozen.Pattern(fi.Rows, fi.RowLength) : null;

    /// <summary>
    /// Writes every W-asymmetric weight's fixed values back into its frozen entries (in place): after an optimiser
    /// step whose weight decay or momentum touched them, they hold their fixed values again.
    /// </summary>
    public static void Restore<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var p in model.Graph.Parameters)
            if (Of(p.Slot) is { } pattern) pattern.Impose(model[p.Name]);
    }
}
