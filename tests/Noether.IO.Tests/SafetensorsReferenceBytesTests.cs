using System.Text;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// Our writer against the reference implementation's serializer: the expected images are the ones asserted by the
/// reference's own unit tests (header lengths 64, 72, 8 and 40 with space padding), plus its ordering rule.
/// </summary>
public class SafetensorsReferenceBytesTests
{
    private static readonly float[] ZeroToFive = [0, 1, 2, 3, 4, 5];

    [Fact]
    public void SingleTensorNeedingNoPadding()
    {
        var bytes = SafetensorsWriter.Serialize([SafetensorsTensor.From("attn.0", Tensor<float>.FromArray(ZeroToFive, 1, 2, 3))]);
        var expected = Bytes.Safetensors("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", Bytes.F32LE(ZeroToFive));
        Assert.Equal(64, (int)BitConverter.ToUInt64(bytes));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void HeaderIsPaddedWithSpacesToEightBytes()
    {
        var bytes = SafetensorsWriter.Serialize([SafetensorsTensor.From("attn0", Tensor<float>.FromArray(ZeroToFive, 1, 1, 2, 3))]);
        var expected = Bytes.Safetensors("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", Bytes.F32LE(ZeroToFive));
        Assert.Equal(72, (int)BitConverter.ToUInt64(bytes));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void EmptyFilesWithAndWithoutMetadata()
    {
        Assert.Equal(Bytes.Safetensors("{}      ", []), SafetensorsWriter.Serialize([]));
        var withMeta = SafetensorsWriter.Serialize([], [new("framework", "pt")]);
        Assert.Equal(Bytes.Safetensors("{\"__metadata__\":{\"framework\":\"pt\"}}     ", []), withMeta);
        Assert.Equal(40, (int)BitConverter.ToUInt64(withMeta));
    }

    [Fact]
    public void TensorsAreOrderedByDtypeAlignmentDescendingThenName()
    {
        var tensors = new[]
        {
            SafetensorsTensor.Raw("a_bool", SafetensorsDtype.Bool, [1], new byte[] { 1 }),
            SafetensorsTensor.Raw("b_i64", SafetensorsDtype.I64, [1], new byte[8]),
            SafetensorsTensor.From("z_f32", Tensor<float>.FromArray([1f])),
            SafetensorsTensor.From("a_f32", Tensor<float>.FromArray([2f])),
            SafetensorsTensor.Raw("c_bf16", SafetensorsDtype.BF16, [1], new byte[2]),
            SafetensorsTensor.Raw("d_f16", SafetensorsDtype.F16, [1], new byte[2]),
            SafetensorsTensor.From("e_f64", Tensor<double>.FromArray([3.0])),
            SafetensorsTensor.Raw("f_u8", SafetensorsDtype.U8, [1], new byte[] { 7 }),
            SafetensorsTensor.Raw("g_i8", SafetensorsDtype.I8, [1], new byte[] { 9 }),
            SafetensorsTensor.Raw("h_i32", SafetensorsDtype.I32, [1], new byte[4]),
        };
        var bytes = SafetensorsWriter.Serialize(tensors);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes));
        var order = new[] { "b_i64", "e_f64", "a_f32", "z_f32", "h_i32", "c_bf16", "d_f16", "g_i8", "f_u8", "a_bool" };
        var positions = order.Select(n => header.IndexOf($"\"{n}\"", StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.Order().ToArray(), positions);
        Assert.Contains("\"b_i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}", header);
        Assert.Contains("\"a_bool\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[34,35]}", header);
    }

    [Fact]
    public void NamesSortByUtf8BytesAndEscapeLikeSerdeJson()
    {
        // U+FF21 (3 UTF-8 bytes EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8, but after it in UTF-16 code units.
        var tensors = new[] { "\U0001F600", "\uFF21", "q\"\\\n\u0001é" }
            .Select(n => SafetensorsTensor.From(n, Tensor<float>.FromArray([0f]))).ToArray();
        var bytes = SafetensorsWriter.Serialize(tensors);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes));
        Assert.StartsWith("{\"q\\\"\\\\\\n\\u0001é\":{", header);
        Assert.True(header.IndexOf('\uFF21') < header.IndexOf("\U0001F600", StringComparison.Ordinal));
    }

    [Fact]
    public void MetadataKeepsTheGivenOrder()
    {
        var bytes = SafetensorsWriter.Serialize([], [new("z", "1"), new("a", "2")]);
        Assert.Equal(Bytes.Safetensors("{\"__metadata__\":{\"z\":\"1\",\"a\":\"2\"}}      ", []), bytes);
    }

    [Fact]
    public void WriterRejectsBadInputNamingIt()
    {
        var t = Tensor<float>.FromArray([1f]);
        var dup = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Serialize([SafetensorsTensor.From("x", t), SafetensorsTensor.From("x", t)]));
        Assert.Contains("'x'", dup.Message);
        Assert.Throws<ArgumentException>(() => SafetensorsTensor.From("__metadata__", t));
        var size = Assert.Throws<ShapeMismatchException>(() => SafetensorsTensor.Raw("w", SafetensorsDtype.I32, [2, 3], new byte[20]));
        Assert.Contains("'w'", size.Message);
        Assert.Contains("24", size.Message);
        Assert.Contains("[2, 3]", size.Message);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Serialize([], [new("k", "1"), new("k", "2")]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Serialize([SafetensorsTensor.From("\ud800", t)]));
    }
}
