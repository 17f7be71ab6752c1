namespace Noether.IO;

/// <summary>
/// Where each element of one IR parameter was copied from in an .onnx file: a strided view of one stored tensor
/// (identity, transpose, slice or reshape — what importers do to weights), or, for anything else, one marker code per
/// element (−1 where the element is no copy of a stored element, such as a value computed from several).
/// </summary>
internal sealed class ParameterTrace
{
    /// <summary>Elements handled per chunk when walking a trace.</summary>
    public const int Chunk = 1 << 20;

    private ParameterTrace(int[] shape, int source, int start, int[]? strides, int[]? codes)
    {
        Shape = shape;
        Source = source;
        Start = start;
        Strides = strides;
        Codes = codes;
        Count = shape.Aggregate(1, (a, d) => a * d);
    }

    /// <summary>The parameter's shape.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Count { get; }

    /// <summary>The stored tensor a strided trace reads (index into the probed sources), else −1.</summary>
    public int Source { get; }

    /// <summary>Element of <see cref="Source"/> the parameter's first element was copied from.</summary>
    public int Start { get; }

    /// <summary>Per parameter axis, the step in the source's elements (strided traces only).</summary>
    public int[]? Strides { get; }

    /// <summary>Per element, the probe marker code it was copied from, or −1 (explicit traces only).</summary>
    public int[]? Codes { get; }

    /// <summary>Whether some element is no copy of a stored element.</summary>
    public bool HasUntraced => Codes is { } c && Array.IndexOf(c, -1) >= 0;

    /// <summary>
    /// The trace of a parameter from its per-element codes (<paramref name="code"/>(k), −1 for none): strided when one
    /// tensor and constant steps explain every element (checked for all of them), else explicit.
    /// <paramref name="locate"/> maps a code to (source, element), or (−1, −1).
    /// </summary>
    public static ParameterTrace Of(int[] shape, Func<int, int> code, Func<int, (int Source, int Element)> locate)
    {
        int count = shape.Aggregate(1, (a, d) => a * d);
        ParameterTrace Explicit() => new(shape, -1, 0, null, Enumerable.Range(0, count).Select(code).ToArray());
        if (count == 0 || code(0) < 0) return Explicit();
        var (source, start) = locate(code(0));
        if (source < 0) return Explicit();
        int rank = shape.Length, unit = 1;
        var strides = new int[rank];
        for (int a = rank - 1; a >= 0; a--)
        {
            if (shape[a] > 1)
            {
                int c = code(unit);
                if (c < 0) return Explicit();
                var (s, e) = locate(c);
                if (s != source) return Explicit();
                strides[a] = e - start;
            }
            unit *= shape[a];
        }
        var trace = new ParameterTrace(shape, source, start, strides, null);
        int baseCode = code(0) - start;
        var walk = trace.Walk();
        var chunk = new int[Math.Min(Chunk, count)];
        for (int k = 0, n; (n = walk.Fill(chunk)) > 0; k += n)
            for (int j = 0; j < n; j++)
            {
                int c = code(k + j);
                if (c < 0 || c - baseCode != chunk[j] || locate(c).Source != source) return Explicit();
            }
        return trace;
    }

    /// <summary>The source element of each parameter element, in the parameter's row-major order (strided traces).</summary>
    public StridedWalk Walk() => new(Shape, Strides ?? throw new InvalidOperationException("an explicit trace has no single source"), Start);

    /// <summary>
    /// For a strided trace that is a transpose of the whole source (every source element once, no gaps): the
    /// parameter element of each source element in the source's order; else null.
    /// </summary>
    public StridedWalk? InSourceOrder(int sourceCount)
    {
        if (Strides is null || Start != 0 || Count != sourceCount) return null;
        var axes = Enumerable.Range(0, Shape.Length).Where(a => Shape[a] > 1).OrderByDescending(a => Strides[a]).ToArray();
        long expected = 1;
        for (int i = axes.Length - 1; i >= 0; i--)
        {
            if (Strides[axes[i]] != expected) return null;
            expected *= Shape[axes[i]];
        }
        var contiguous = new int[Shape.Length];
        for (int a = Shape.Length - 1, step = 1; a >= 0; a--) { contiguous[a] = step; step *= Shape[a]; }
        return new StridedWalk(axes.Select(a => Shape[a]).ToArray(), axes.Select(a => contiguous[a]).ToArray(), 0);
    }
}
