using System.Buffers.Binary;
using Google.Protobuf;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// A decoded ONNX tensor: its element type, shape and values widened to double (int64 beyond 2⁵³ rounds). A tensor
/// read from a memory-mapped file is decoded when its values are first asked for and held only weakly afterwards:
/// an import keeps one large weight at a time in float64, not the whole model (the parameters it becomes are kept in
/// the precision the caller asked for).
/// </summary>
internal sealed record OnnxTensor
{
    private readonly Tensor<double>? _data;
    private readonly Func<Tensor<double>>? _load;
    private readonly WeakReference<Tensor<double>>? _cache;
    private readonly int[] _shape;

    /// <summary>A tensor with its values.</summary>
    public OnnxTensor(DataType type, Tensor<double> data)
    {
        Type = type;
        _data = data;
        _shape = data.ShapeArray();
    }

    /// <summary>
    /// A tensor whose values <paramref name="load"/> decodes on demand (again if they were collected);
    /// <paramref name="loadSingle"/>, when given, decodes them as float32 without a float64 copy (see <see cref="Single"/>).
    /// </summary>
    public OnnxTensor(DataType type, int[] shape, Func<Tensor<double>> load, Func<Tensor<float>>? loadSingle = null)
    {
        Type = type;
        _shape = shape;
        _load = load;
        _loadSingle = loadSingle;
        _cache = new WeakReference<Tensor<double>>(null!);
    }

    private readonly Func<Tensor<float>>? _loadSingle;

    /// <summary>
    /// A fresh float32 copy of the values, decoded without going through float64, when the tensor is read from a file
    /// and stored as float32; else null. Weights become parameters this way in a float32 import.
    /// </summary>
    public Tensor<float>? Single() => _loadSingle?.Invoke();

    /// <summary>The element type.</summary>
    public DataType Type { get; init; }

    /// <summary>The values, widened to double.</summary>
    public Tensor<double> Data
    {
        get
        {
            if (_data is not null) return _data;
            if (_cache!.TryGetTarget(out var held)) return held;
            var loaded = _load!();
            _cache.SetTarget(loaded);
            return loaded;
        }
        init { _data = value; _load = null; _loadSingle = null; _cache = null; _shape = value.ShapeArray(); }
    }

    /// <summary>True for float16, bfloat16, float and double.</summary>
    public bool IsFloat => Type is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;

    /// <summary>The full shape.</summary>
    public int[] Shape => (int[])_shape.Clone();
}

/// <summary>Converts between <see cref="TensorProto"/> and tensors, validating sizes against the declared shape.</summary>
internal static class OnnxTensors
{
    /// <summary>Largest tensor decoded (elements); a file claiming more is rejected before allocation.</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>Decodes a tensor; <paramref name="where"/> names it in errors (file and tensor).</summary>
    public static OnnxTensor Decode(TensorProto? t, string where) => Decode(t, where, MaxElements * sizeof(double));

    /// <summary>
    /// Decodes a tensor held as float64 in memory, refusing one over <paramref name="maxBytes"/> (elements × 8) before
    /// allocating anything; <paramref name="where"/> names it in errors (file and tensor).
    /// </summary>
    public static OnnxTensor Decode(TensorProto? t, string where, long maxBytes)
    {
        if (t is null) throw new OnnxImportException(OnnxImportError.Malformed, where, $"{where}: a tensor attribute holds no tensor");
        return Decode(t, where, maxBytes, t.RawData.Span, t.RawData.Length > 0);
    }

    /// <summary>
    /// The shape and element count of a tensor, validated against its declared dims and
    /// <paramref name="maxBytes"/> (elements × 8) without reading any value.
    /// </summary>
    public static (int[] Shape, long Count) Layout(TensorProto t, string where, long maxBytes)
    {
        if (t.Segment is not null) throw Bad(where, t, "is segmented, which is not supported");
        long count = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0) throw Bad(where, t, $"has a negative dimension {d}");
            if (d > int.MaxValue) throw Bad(where, t, $"has dimension {d}, over the largest supported size {int.MaxValue}");
        }
        // Checked in 64 bits with early exit: dims such as [3, 2⁶²] must not wrap around to a small or negative count.
        long budget = Math.Min(MaxElements, maxBytes / sizeof(double));
        bool empty = t.Dims.Contains(0);
        foreach (var d in t.Dims)
        {
            if (empty) { count = 0; break; }
            if (d != 0 && count > budget / d)
                throw new OnnxImportException(OnnxImportError.Malformed, where,
                    $"{where}: tensor '{t.Name}' has shape [{string.Join(", ", t.Dims)}], over the budget of {budget} elements ({Budget.Format(budget * sizeof(double))} as float64)");
            count *= d;
        }
        ElementSize((DataType)t.DataType, where, t);
        return (t.Dims.Select(d => (int)d).ToArray(), count);
    }

    /// <summary>Bytes per element of a tensor's element type (refusing types without a numeric meaning).</summary>
    public static int ElementSize(TensorProto t, string where) => ElementSize((DataType)t.DataType, where, t);

    /// <summary>
    /// Decodes a tensor whose raw bytes are <paramref name="rawData"/> when <paramref name="isRaw"/> (the file's
    /// raw_data field, or the bytes a memory-mapped file holds for it), else its typed fields.
    /// </summary>
    public static OnnxTensor Decode(TensorProto t, string where, long maxBytes, ReadOnlySpan<byte> rawData, bool isRaw)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
            throw new OnnxImportException(OnnxImportError.UnsupportedVariant, where,
                $"{where}: tensor '{t.Name}' keeps its data in an external file ({string.Join(", ", t.ExternalData.Select(e => $"{e.Key}={e.Value}"))}); external data is read only by OnnxFile.ReadModel, from the model's own folder");
        var (shape, count) = Layout(t, where, maxBytes);
        var type = (DataType)t.DataType;
        var values = new double[count];
        int size = ElementSize(type, where, t);
        if (isRaw)
        {
            if (rawData.Length != count * size) throw Bad(where, t, $"raw data has {rawData.Length} bytes, but {type} {Shapes.Format(shape)} needs {count * size}");
            if (type == DataType.Float && BitConverter.IsLittleEndian)
            {
                var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(rawData);
                for (int i = 0; i < floats.Length; i++) values[i] = floats[i];
            }
            else for (int i = 0; i < count; i++) values[i] = ReadRaw(type, rawData.Slice(i * size, size));
        }
        else
        {
            IReadOnlyList<double> typed = type switch
            {
                DataType.Float => t.FloatData.Select(v => (double)v).ToArray(),
                DataType.Double => t.DoubleData.ToArray(),
                DataType.Int64 => t.Int64Data.Select(v => (double)v).ToArray(),
                DataType.Uint32 or DataType.Uint64 => t.Uint64Data.Select(v => (double)v).ToArray(),
                DataType.Float16 => t.Int32Data.Select(v => (double)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(),
                DataType.Bfloat16 => t.Int32Data.Select(v => (double)BitConverter.Int32BitsToSingle(v << 16)).ToArray(),
                _ => t.Int32Data.Select(v => (double)v).ToArray(),
            };
            if (typed.Count != count) throw Bad(where, t, $"holds {typed.Count} values, but {type} {Shapes.Format(shape)} needs {count}");
            for (int i = 0; i < count; i++) values[i] = typed[i];
        }
        return new OnnxTensor(type, new Tensor<double>(values, shape));
    }

    private static int ElementSize(DataType type, string where, TensorProto t) => type switch
    {
        DataType.Bool or DataType.Int8 or DataType.Uint8 => 1,
        DataType.Int16 or DataType.Uint16 or DataType.Float16 or DataType.Bfloat16 => 2,
        DataType.Int32 or DataType.Uint32 or DataType.Float => 4,
        DataType.Int64 or DataType.Uint64 or DataType.Double => 8,
        _ => throw new OnnxImportException(OnnxImportError.UnsupportedVariant, where, $"{where}: tensor '{t.Name}' has element type {type}, which has no numeric meaning here"),
    };

    private static double ReadRaw(DataType type, ReadOnlySpan<byte> b) => type switch
    {
        DataType.Bool => b[0] != 0 ? 1 : 0,
        DataType.Int8 => (sbyte)b[0],
        DataType.Uint8 => b[0],
        DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
        DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
        DataType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
        DataType.Bfloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
        DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
        DataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
        DataType.Float => BinaryPrimitives.ReadSingleLittleEndian(b),
        DataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(b),
        DataType.Uint64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
        _ => BinaryPrimitives.ReadDoubleLittleEndian(b),
    };

    private static OnnxImportException Bad(string where, TensorProto t, string detail)
        => new(OnnxImportError.Malformed, where, $"{where}: tensor '{t.Name}' {detail}");

    /// <summary>Encodes a float or double tensor as raw little-endian data.</summary>
    public static TensorProto Encode<T>(string name, Tensor<T> tensor) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var proto = new TensorProto { Name = name };
        proto.Dims.AddRange(tensor.ShapeArray().Select(d => (long)d));
        var values = tensor.ToArray();
        if (typeof(T) == typeof(double))
        {
            proto.DataType = (int)DataType.Double;
            var bytes = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), double.CreateTruncating(values[i]));
            proto.RawData = ByteString.CopyFrom(bytes);
        }
        else
        {
            proto.DataType = (int)DataType.Float;
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), float.CreateTruncating(values[i]));
            proto.RawData = ByteString.CopyFrom(bytes);
        }
        return proto;
    }

    /// <summary>Encodes an int64 vector (shapes, axes, pads).</summary>
    public static TensorProto Int64(string name, params long[] values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        return proto;
    }

    /// <summary>Encodes a boolean tensor (nonzero is true).</summary>
    public static TensorProto Bool(string name, Tensor<double> mask)
    {
        var proto = new TensorProto { Name = name, DataType = (int)DataType.Bool };
        proto.Dims.AddRange(mask.ShapeArray().Select(d => (long)d));
        proto.RawData = ByteString.CopyFrom(mask.ToArray().Select(v => v != 0 ? (byte)1 : (byte)0).ToArray());
        return proto;
    }
}
