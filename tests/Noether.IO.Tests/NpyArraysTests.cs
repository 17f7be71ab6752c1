using System.Buffers.Binary;
using System.Text;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>Typed .npy reading and writing: integers and bools stay exact, byte order and Fortran order are undone.</summary>
public class NpyArraysTests
{
    private static byte[] File(string descr, bool fortran, int[] shape, byte[] data)
    {
        var header = NpyHeader.Build(descr, shape);
        if (fortran)
        {
            var text = Encoding.Latin1.GetString(header).Replace("'fortran_order': False", "'fortran_order': True ");
            header = Encoding.Latin1.GetBytes(text);
        }
        return [.. header, .. data];
    }

    [Fact]
    public void Int64BeyondDoublePrecisionRoundTripsExactly()
    {
        using var dir = new TempDir();
        long big = (1L << 60) + 1;
        var a = TypedArray.From(ArrayElementType.Int64, [2, 2], new long[] { big, -1, 0, long.MinValue });
        NpyArrays.Write(dir.File("a.npy"), a);
        var b = NpyArrays.Read(dir.File("a.npy"));
        Assert.Equal(ArrayElementType.Int64, b.ElementType);
        Assert.Equal([2, 2], b.Shape);
        Assert.Equal(new long[] { big, -1, 0, long.MinValue }, b.ToArray<long>());
        // The float reader sees the same file as the same values (rounded).
        Assert.Equal((double)big, Npy.Read<double>(dir.File("a.npy"))[0, 0]);
    }

    [Fact]
    public void EveryWrittenTypeReadsBackWithItsDtype()
    {
        using var dir = new TempDir();
        foreach (var type in Enum.GetValues<ArrayElementType>())
        {
            var source = new Tensor<double>(new double[] { 0, 1, 0, 1, 1, 0 }, 2, 3);
            var a = TypedArray.FromTensor(source).ConvertTo(type);
            var path = dir.File($"{type}.npy");
            NpyArrays.Write(path, a);
            var b = NpyArrays.Read(path);
            Assert.Equal(type, b.ElementType);
            Assert.Equal(a.Bytes.ToArray(), b.Bytes.ToArray());
            Assert.Equal(0.0, Npy.Read<double>(path).MaxAbsDiff(source));
        }
    }

    [Fact]
    public void BigEndianAndFortranOrderAreConvertedToLittleEndianCOrder()
    {
        using var dir = new TempDir();
        // [[1, 2, 3], [4, 5, 6]] as big-endian int32 stored column-major: 1 4 2 5 3 6.
        var data = new byte[24];
        int[] column = [1, 4, 2, 5, 3, 6];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4 * i), column[i]);
        var path = dir.Write("f.npy", File(">i4", fortran: true, [2, 3], data));
        var a = NpyArrays.Read(path);
        Assert.Equal(ArrayElementType.Int32, a.ElementType);
        Assert.Equal([1, 2, 3, 4, 5, 6], a.ToArray<int>());
        Assert.Equal(0.0, Npy.Read<double>(path).MaxAbsDiff(a.ToTensor<double>()));
    }

    [Fact]
    public void TruncatedAndTrailingDataAreRejectedNamingTheFile()
    {
        using var dir = new TempDir();
        var whole = File("<i8", false, [3], new byte[24]);
        var truncated = dir.Write("t.npy", whole[..^1]);
        var e = Assert.Throws<NpyFormatException>(() => NpyArrays.Read(truncated));
        Assert.Equal(NpyErrorKind.Truncated, e.Kind);
        Assert.Contains("t.npy", e.Message);
        var trailing = dir.Write("x.npy", [.. whole, 0]);
        Assert.Equal(NpyErrorKind.TrailingData, Assert.Throws<NpyFormatException>(() => NpyArrays.Read(trailing)).Kind);
    }

    [Fact]
    public void BoolMasksReadAsBool()
    {
        using var dir = new TempDir();
        var mask = TypedArray.From(ArrayElementType.Bool, [2, 2], new[] { true, false, false, true });
        NpyArrays.Write(dir.File("m.npy"), mask);
        var back = NpyArrays.Read(dir.File("m.npy"));
        Assert.Equal(new[] { true, false, false, true }, back.ToArray<bool>());
        Assert.Throws<InvalidOperationException>(() => back.As<long>().ToArray());
    }
}
