using System.Buffers.Binary;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>Tensors of every dtype with hand-encoded bytes and the values they must decode to.</summary>
internal static class Samples
{
    public sealed record Sample(string Name, SafetensorsDtype Dtype, int[] Shape, byte[] Data, double[] Values)
    {
        public SafetensorsTensor ToTensor() => SafetensorsTensor.Raw(Name, Dtype, Shape, Data);
    }

    public static IReadOnlyList<Sample> EveryDtype() =>
    [
        new("f64", SafetensorsDtype.F64, [3], Bytes.F64LE(1.5, -2.25, 1e300), [1.5, -2.25, 1e300]),
        new("f32", SafetensorsDtype.F32, [2, 1], Bytes.F32LE(0.5f, -3f), [0.5, -3]),
        new("f16", SafetensorsDtype.F16, [3], U16(0x3C00, 0xC000, 0x7BFF), [1, -2, 65504]),
        new("bf16", SafetensorsDtype.BF16, [2], U16(0x3F80, 0xC0A0), [1, -5]),
        new("i64", SafetensorsDtype.I64, [2], I64(-3, 1L << 40), [-3, 1L << 40]),
        new("u64", SafetensorsDtype.U64, [1], I64(unchecked((long)ulong.MaxValue)), [ulong.MaxValue]),
        new("i32", SafetensorsDtype.I32, [2], I32(7, -8), [7, -8]),
        new("u32", SafetensorsDtype.U32, [1], I32(unchecked((int)4_000_000_000u)), [4_000_000_000]),
        new("i16", SafetensorsDtype.I16, [2], U16(0xFFFF, 0x7FFF), [-1, 32767]),
        new("u16", SafetensorsDtype.U16, [1], U16(0xFFFF), [65535]),
        new("i8", SafetensorsDtype.I8, [2], [0x80, 0x7F], [-128, 127]),
        new("u8", SafetensorsDtype.U8, [2], [0, 255], [0, 255]),
        new("bool", SafetensorsDtype.Bool, [2, 2], [0, 1, 1, 0], [0, 1, 1, 0]),
        new("f8e4m3", SafetensorsDtype.F8E4M3, [4], [0x38, 0xC0, 0x01, 0x7E], [1, -2, 1.0 / 512, 448]),
        new("f8e5m2", SafetensorsDtype.F8E5M2, [2], [0x3C, 0xC0], [1, -2]),
        new("scalar", SafetensorsDtype.F32, [], Bytes.F32LE(42f), [42]),
        new("empty", SafetensorsDtype.F32, [0, 3], [], []),
    ];

    /// <summary>A seeded mix of tensors of every dtype, random shapes (including zero-size) and random bytes.</summary>
    public static List<SafetensorsTensor> Random(Rng rng, int count)
    {
        var dtypes = Enum.GetValues<SafetensorsDtype>();
        var list = new List<SafetensorsTensor>();
        for (int i = 0; i < count; i++)
        {
            var dtype = dtypes[rng.NextInt(dtypes.Length)];
            var shape = new int[rng.NextInt(4)];
            for (int d = 0; d < shape.Length; d++) shape[d] = rng.NextInt(5);
            var data = new byte[shape.Aggregate(1, (a, b) => a * b) * dtype.Size()];
            for (int b = 0; b < data.Length; b++) data[b] = (byte)rng.NextUInt64();
            list.Add(dtype switch
            {
                // Float tensors go through Tensor<T> so the round trip exercises the typed path; random bits include NaN payloads.
                SafetensorsDtype.F32 => SafetensorsTensor.From($"t{i}", new Tensor<float>(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).ToArray(), shape)),
                SafetensorsDtype.F64 => SafetensorsTensor.From($"t{i}", new Tensor<double>(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(data).ToArray(), shape)),
                _ => SafetensorsTensor.Raw($"t{i}", dtype, shape, data),
            });
        }
        return list;
    }

    private static byte[] U16(params int[] v) => v.SelectMany(x => { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)x); return b; }).ToArray();

    private static byte[] I32(params int[] v) => v.SelectMany(x => { var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, x); return b; }).ToArray();

    private static byte[] I64(params long[] v) => v.SelectMany(x => { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, x); return b; }).ToArray();
}
