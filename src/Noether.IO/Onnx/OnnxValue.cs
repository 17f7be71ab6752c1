using Noether.Tensors;

namespace Noether.IO;

/// <summary>What an ONNX value name stands for during import.</summary>
internal abstract record OnnxValue;

/// <summary>A value computed at run time: an IR value with its per-sample shape (the batch axis is implicit).</summary>
internal sealed record RuntimeValue(string Id, int[] Shape) : OnnxValue;

/// <summary>
/// A constant repeated over the batch: the full value is [N, …] with every sample equal to <see cref="PerSample"/>
/// (ConstantOfShape or Expand to a shape that starts with the batch size N). Where a runtime value is needed it
/// becomes a BroadcastParameterOp node; in arithmetic with runtime values it acts as a per-sample constant.
/// </summary>
internal sealed record BatchConstValue(OnnxTensor PerSample, string? Initializer = null) : OnnxValue
{
    /// <summary>The per-sample shape.</summary>
    public int[] Shape => PerSample.Shape;
}

/// <summary>
/// A value known at import time (an initializer, a Constant, or a folded computation), with its full shape. Integer
/// vectors that depend on the batch size carry <see cref="Symbols"/>; their <see cref="Tensor"/> then holds
/// only the coefficients.
/// </summary>
internal sealed record ConstValue(OnnxTensor Tensor, string? Initializer = null, SymDim[]? Symbols = null) : OnnxValue
{
    /// <summary>The full shape.</summary>
    public int[] Shape => Tensor.Shape;

    /// <summary>The values (row-major).</summary>
    public double[] Values => Tensor.Data.ToArray();

    /// <summary>True when some entry depends on the batch size.</summary>
    public bool DependsOnBatch => Symbols?.Any(s => s.HasBatch) == true;

    /// <summary>The entries as symbolic integers.</summary>
    public SymDim[] Dims => Symbols ?? Values.Select(v => SymDim.Of(ToLong(v))).ToArray();

    /// <summary>The entries as integers (clamping ±2⁶³ sentinels such as INT64_MAX).</summary>
    public long[] Longs => DependsOnBatch ? throw new InvalidOperationException("the value depends on the batch size") : Values.Select(ToLong).ToArray();

    private static long ToLong(double v) => v >= 9.2e18 ? long.MaxValue : v <= -9.2e18 ? long.MinValue : (long)v;

    /// <summary>A constant from a tensor, keeping the element type.</summary>
    public static ConstValue Of(Tensor<double> data, Onnx.TensorProto.Types.DataType type) => new(new OnnxTensor(type, data));

    /// <summary>An int64 vector (or, with <paramref name="shape"/> [], scalar) of symbolic entries.</summary>
    public static ConstValue Symbolic(SymDim[] dims, int[]? shape = null)
        => new(new OnnxTensor(Onnx.TensorProto.Types.DataType.Int64, new Tensor<double>(dims.Select(d => (double)d.Coefficient).ToArray(), shape ?? [dims.Length])),
            null, dims.Any(d => d.HasBatch) ? dims : null);
}
