using Noether.Tensors;

namespace Noether.Alignment.Provenance;

/// <summary>
/// How the residual stream of model B is expressed in A's coordinates: the identity, a signed (scaled) permutation
/// (A's coordinate i is B's coordinate <c>Source[i]</c> times <c>Scale[i]</c>), or an orthogonal matrix R with
/// z_A ≈ R·z_B. Applied to rows of units that read the stream (up, gate: contravariant) or write it (down columns:
/// covariant), which coincide for orthogonal maps.
/// </summary>
public sealed class StreamMap
{
    private StreamMap(string description, int[]? source, double[]? scale, Tensor<float>? rotation)
    {
        Description = description;
        Source = source;
        Scale = scale;
        Rotation = rotation;
    }

    /// <summary>What was fitted, for reports ("identity", "signed permutation from the embedding", …).</summary>
    public string Description { get; }

    /// <summary>For a monomial map, the B coordinate of each A coordinate.</summary>
    public int[]? Source { get; }

    /// <summary>For a monomial map, B's coordinate Source[i] is Scale[i] times A's coordinate i.</summary>
    public double[]? Scale { get; }

    /// <summary>For an orthogonal map, R [d, d] with z_A ≈ R·z_B.</summary>
    public Tensor<float>? Rotation { get; }

    /// <summary>The identity.</summary>
    public static StreamMap Identity(string why) => new(why, null, null, null);

    /// <summary>A monomial map.</summary>
    public static StreamMap Monomial(string description, int[] source, double[] scale) => new(description, source, scale, null);

    /// <summary>An orthogonal map.</summary>
    public static StreamMap Orthogonal(string description, Tensor<float> rotation) => new(description, null, null, rotation);

    /// <summary>
    /// Unit rows [m, d] in B's stream coordinates moved to A's: <paramref name="reads"/> for rows that read the stream
    /// (weights' columns), false for rows that write it (a down projection's columns).
    /// </summary>
    public Tensor<float> Apply(Tensor<float> rows, bool reads)
    {
        if (Rotation is { } r) return rows.MatMul(r.Transpose()).Contiguous();
        if (Source is not { } src || Scale is not { } scale) return rows;
        int m = rows.Dim(0), d = rows.Dim(1);
        if (src.Length != d) throw new ShapeMismatchException("StreamMap", $"a map of {src.Length} stream coordinates cannot move rows of width {d}", rows.ShapeArray());
        var input = rows.Span;
        var output = new float[m * d];
        for (int u = 0; u < m; u++)
        {
            var from = input.Slice(u * d, d);
            var to = output.AsSpan(u * d, d);
            // Reading rows see z_B = D·P·z_A, so row_A[i] = row_B[src i]·s_i; writing rows carry the inverse.
            for (int i = 0; i < d; i++) to[i] = (float)(reads ? from[src[i]] * scale[i] : from[src[i]] / scale[i]);
        }
        return Tensor<float>.FromArray(output, m, d);
    }
}
