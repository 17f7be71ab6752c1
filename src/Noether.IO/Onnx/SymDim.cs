namespace Noether.IO;

/// <summary>
/// One entry of a shape computed inside an ONNX graph, symbolic in the batch size N: the value is
/// <see cref="Coefficient"/> (times N when <see cref="HasBatch"/>). Shape subgraphs (Shape → Gather → Concat → Reshape)
/// are folded at import time with these, so they never become runtime nodes.
/// </summary>
internal readonly record struct SymDim(long Coefficient, bool HasBatch)
{
    /// <summary>A plain integer.</summary>
    public static SymDim Of(long value) => new(value, false);

    /// <summary>The batch size N.</summary>
    public static SymDim Batch { get; } = new(1, true);

    /// <summary>True for exactly N.</summary>
    public bool IsBatch => HasBatch && Coefficient == 1;

    /// <summary>The integer value; throws for batch-dependent entries.</summary>
    public long Value => HasBatch ? throw new InvalidOperationException($"{this} depends on the batch size") : Coefficient;

    public static SymDim operator +(SymDim a, SymDim b) => a.HasBatch == b.HasBatch ? new(a.Coefficient + b.Coefficient, a.HasBatch)
        : a.Coefficient == 0 && !a.HasBatch ? b : b.Coefficient == 0 && !b.HasBatch ? a : throw Unsupported("+", a, b);
    public static SymDim operator -(SymDim a, SymDim b) => a + new SymDim(-b.Coefficient, b.HasBatch);
    public static SymDim operator *(SymDim a, SymDim b) => a.HasBatch && b.HasBatch ? throw Unsupported("×", a, b) : new(a.Coefficient * b.Coefficient, a.HasBatch || b.HasBatch);

    public static SymDim operator /(SymDim a, SymDim b)
    {
        if (b.HasBatch) return a.HasBatch && b.Coefficient != 0 && a.Coefficient % b.Coefficient == 0 ? Of(a.Coefficient / b.Coefficient) : throw Unsupported("÷", a, b);
        if (b.Coefficient == 0) throw new InvalidOperationException($"shape arithmetic divides {a} by zero");
        if (a.HasBatch && a.Coefficient % b.Coefficient != 0) throw Unsupported("÷", a, b);
        return new(a.Coefficient / b.Coefficient, a.HasBatch);
    }

    private static InvalidOperationException Unsupported(string op, SymDim a, SymDim b) => new($"shape arithmetic {a} {op} {b} is not linear in the batch size N");

    /// <inheritdoc />
    public override string ToString() => HasBatch ? (Coefficient == 1 ? "N" : $"{Coefficient}·N") : Coefficient.ToString();
}
