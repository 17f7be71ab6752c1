using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// The values of one float tensor of an ONNX file (float32, float16 or float64) in the precision it stores them:
/// float32 and float16 tensors as float32 (half the memory of float64), float64 as float64. New values are rounded
/// to that precision as they are set, so comparing them compares what the file will hold.
/// </summary>
internal sealed class StoredValues
{
    private readonly float[]? _single;
    private readonly double[]? _double;
    private readonly DataType _type;

    private StoredValues(DataType type, int length)
    {
        _type = type;
        if (type == DataType.Double) _double = new double[length];
        else _single = new float[length];
    }

    /// <summary>Number of elements.</summary>
    public int Length => _single?.Length ?? _double!.Length;

    /// <summary>The tensor's values (external data resolved against <paramref name="source"/>'s folder).</summary>
    public static StoredValues Decode(TensorProto t, string source)
    {
        var data = OnnxTensors.Decode(t, source).Data.Contiguous().Span;
        var v = new StoredValues((DataType)t.DataType, data.Length);
        if (v._double is { } d) data.CopyTo(d);
        else for (int i = 0; i < data.Length; i++) v._single![i] = (float)data[i];
        return v;
    }

    /// <summary>Whether every value is finite.</summary>
    public bool AllFinite()
    {
        if (_double is { } d) { foreach (var x in d) if (!double.IsFinite(x)) return false; return true; }
        foreach (var x in _single!) if (!float.IsFinite(x)) return false;
        return true;
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="i"/>, rounded to the stored precision.</summary>
    public void Set(int i, double value)
    {
        if (_double is { } d) d[i] = value;
        else _single![i] = Round(value);
    }

    /// <summary>
    /// Whether the value stored at <paramref name="i"/> is not what <paramref name="value"/> would store (float64
    /// tensors: beyond a relative 1e-12; float32 and float16: any difference after rounding; NaN equals NaN).
    /// </summary>
    public bool Differs(int i, double value)
    {
        if (_double is { } d) return Math.Abs(d[i] - value) > 1e-12 * Math.Max(1, Math.Abs(value));
        // Both rounded to the stored precision: the file holds one or the other, so any difference counts.
        float stored = _single![i], now = Round(value);
        return !stored.Equals(now);
    }

    private float Round(double value) => _type == DataType.Float16 ? (float)(Half)value : (float)value;

    /// <summary>Writes the values into <paramref name="t"/>, keeping its element type and storage form (raw or typed field).</summary>
    public void Encode(TensorProto t)
    {
        int n = Length;
        if (t.RawData.Length > 0)
        {
            int size = _type switch { DataType.Double => 8, DataType.Float => 4, _ => 2 };
            var bytes = new byte[checked(n * size)];
            for (int i = 0; i < n; i++)
            {
                var span = bytes.AsSpan(i * size);
                if (_type == DataType.Double) BinaryPrimitives.WriteDoubleLittleEndian(span, _double![i]);
                else if (_type == DataType.Float) BinaryPrimitives.WriteSingleLittleEndian(span, _single![i]);
                else BinaryPrimitives.WriteHalfLittleEndian(span, (Half)_single![i]);
            }
            t.RawData = ByteString.CopyFrom(bytes);
            return;
        }
        switch (_type)
        {
            case DataType.Double: t.DoubleData.Clear(); t.DoubleData.AddRange(_double!); break;
            case DataType.Float: t.FloatData.Clear(); t.FloatData.AddRange(_single!); break;
            default:
                t.Int32Data.Clear();
                t.Int32Data.AddRange(_single!.Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v)));
                break;
        }
    }

    /// <summary>
    /// Writes probe markers into <paramref name="t"/>: element i holds marker <paramref name="start"/> + i, the
    /// float32 with bits 1.0f + c, or for a float16 tensor the negated half with bits 1.0 + c.
    /// </summary>
    public static void EncodeMarkers(TensorProto t, int start, int length, bool half)
    {
        var markers = new StoredValues((DataType)t.DataType, length);
        for (int i = 0; i < length; i++)
            markers.Set(i, half ? -(double)BitConverter.UInt16BitsToHalf((ushort)(OnnxWriteBack.F16Base + start + i))
                : BitConverter.Int32BitsToSingle(OnnxWriteBack.F32Base + start + i));
        markers.Encode(t);
    }
}
