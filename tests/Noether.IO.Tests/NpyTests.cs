using FsCheck;
using FsCheck.Fluent;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>.npy reading and writing: NumPy's own bytes, every dtype, byte orders, Fortran order, versions, round trips.</summary>
public class NpyTests
{
    // np.save output of NumPy 1.24.2 for np.arange(6, dtype=float32).reshape(2, 3), np.array([1.5, -2.25]),
    // np.array(3.0, dtype=float32) and np.zeros((0, 4)).
    private const string NumpyF32x2x3 = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000803f0000004000004040000080400000a040";
    private const string NumpyF64x2 = "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f83f00000000000002c0";
    private const string NumpyF32Scalar = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a00004040";
    private const string NumpyF64x0x4 = "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028302c2034292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a";

    private static byte[] Serialize<T>(Tensor<T> t) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var m = new MemoryStream();
        Npy.Write(m, t);
        return m.ToArray();
    }

    private static Tensor<T> Parse<T>(byte[] bytes) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => Npy.Read<T>(new MemoryStream(bytes), "test.npy");

    [Fact]
    public void WriteProducesNumpysBytes()
    {
        Assert.Equal(NumpyF32x2x3, Convert.ToHexStringLower(Serialize(Tensor<float>.Arange(6).Reshape(2, 3))));
        Assert.Equal(NumpyF64x2, Convert.ToHexStringLower(Serialize(Tensor<double>.FromArray([1.5, -2.25]))));
        Assert.Equal(NumpyF32Scalar, Convert.ToHexStringLower(Serialize(Tensor<float>.Scalar(3f))));
        Assert.Equal(NumpyF64x0x4, Convert.ToHexStringLower(Serialize(Tensor<double>.Zeros(0, 4))));
    }

    [Theory]
    [InlineData(new int[0], 128)]
    [InlineData(new[] { 123456789, 2 }, 128)]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, 128)]
    [InlineData(new[] { 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40 }, 192)]
    public void HeaderLengthsMatchNumpy(int[] shape, int numpyHeaderBytes)
    {
        // Header sizes np.save gives (NumPy 1.24.2); the data starts at a multiple of 64 bytes.
        var header = NpyHeader.Build("<f4", shape);
        Assert.Equal(numpyHeaderBytes, header.Length);
        Assert.Equal((byte)'\n', header[^1]);
        Assert.Equal(1, header[6]);
    }

    [Fact]
    public void ReadsNumpysBytes()
    {
        var t = Parse<float>(Convert.FromHexString(NumpyF32x2x3));
        Assert.Equal([2, 3], t.ShapeArray());
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, t.ToArray());
        Assert.Equal(new[] { 1.5, -2.25 }, Parse<double>(Convert.FromHexString(NumpyF64x2)).ToArray());
        Assert.Equal(3f, Parse<float>(Convert.FromHexString(NumpyF32Scalar)).ToScalar());
        Assert.Equal([0, 4], Parse<double>(Convert.FromHexString(NumpyF64x0x4)).ShapeArray());
    }

    [Theory]
    [InlineData("<f4", "0000c03f000020c1", new[] { 1.5, -10 })]
    [InlineData(">f4", "3fc00000c1200000", new[] { 1.5, -10 })]
    [InlineData("<f8", "000000000000f83f", new[] { 1.5 })]
    [InlineData(">f8", "3ff8000000000000", new[] { 1.5 })]
    [InlineData("<f2", "003c00c0", new[] { 1.0, -2 })]
    [InlineData(">f2", "3c00c000", new[] { 1.0, -2 })]
    [InlineData("<i8", "fdffffffffffffff0000000000010000", new[] { -3.0, 1L << 40 })]
    [InlineData(">i8", "fffffffffffffffd", new[] { -3.0 })]
    [InlineData("<i4", "07000000f8ffffff", new[] { 7.0, -8 })]
    [InlineData(">i4", "00000007fffffff8", new[] { 7.0, -8 })]
    [InlineData("<i2", "ffff", new[] { -1.0 })]
    [InlineData("<u2", "ffff", new[] { 65535.0 })]
    [InlineData("<u4", "ffffffff", new[] { 4294967295.0 })]
    [InlineData("<u8", "ffffffffffffffff", new[] { 18446744073709551615.0 })]
    [InlineData("|i1", "807f", new[] { -128.0, 127 })]
    [InlineData("|u1", "00ff", new[] { 0.0, 255 })]
    [InlineData("|b1", "0001", new[] { 0.0, 1 })]
    public void ReadsEveryDtypeAndByteOrder(string descr, string dataHex, double[] expected)
    {
        var data = Convert.FromHexString(dataHex);
        var image = Bytes.Npy($"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({expected.Length},), }}\n", data);
        Assert.Equal(expected, Parse<double>(image).ToArray());
        Assert.Equal(expected.Select(v => (float)v), Parse<float>(image).ToArray());
    }

    [Fact]
    public void FortranOrderIsTransposedIntoCOrder()
    {
        // Column-major storage of [[0, 1, 2], [3, 4, 5]] is 0 3 1 4 2 5.
        var image = Bytes.Npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }\n", Bytes.F64LE(0, 3, 1, 4, 2, 5));
        var t = Parse<double>(image);
        Assert.Equal([2, 3], t.ShapeArray());
        Assert.True(t.IsContiguous);
        Assert.Equal(new double[] { 0, 1, 2, 3, 4, 5 }, t.ToArray());

        // Rank 3, big-endian and Fortran order at once: element [i, j, k] is stored at i + 2j + 6k.
        var values = new float[24];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) values[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
        var bigEndian = values.SelectMany(v => BitConverter.GetBytes(v).Reverse()).ToArray();
        var t3 = Parse<float>(Bytes.Npy("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3, 4)}", bigEndian));
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) Assert.Equal(100 * i + 10 * j + k, t3[i, j, k]);
    }

    [Fact]
    public void ReadsVersions2And3AndPython2Headers()
    {
        var data = Bytes.F32LE(1f, 2f);
        Assert.Equal(new[] { 1f, 2f }, Parse<float>(Bytes.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", data, major: 2)).ToArray());
        Assert.Equal(new[] { 1f, 2f }, Parse<float>(Bytes.Npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}  \n", data, major: 3, utf8: true)).ToArray());
        Assert.Equal(new[] { 1f, 2f }, Parse<float>(Bytes.Npy("{'descr':'<f4','fortran_order':False,'shape':(2L,)}", data)).ToArray());
    }

    [Fact]
    public void RoundTripsFloatDoubleAndHalf()
    {
        var gen = from rank in Gen.Choose(0, 4)
                  from dims in Gen.ArrayOf(Gen.Choose(1, 5), rank) // zero-size below: RandomNormal cannot fill them
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (dims, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Rng((ulong)c.seed);
            var f = Tensor<float>.RandomNormal(rng, c.dims);
            var d = Tensor<double>.RandomNormal(rng, c.dims);
            var h = Tensor<Half>.RandomNormal(rng, c.dims);
            Assert.Equal(f.ToArray(), Parse<float>(Serialize(f)).ToArray());
            Assert.Equal(d.ToArray(), Parse<double>(Serialize(d)).ToArray());
            Assert.Equal(h.ToArray(), Parse<Half>(Serialize(h)).ToArray());
            Assert.Equal(c.dims, Parse<double>(Serialize(d)).ShapeArray());
            // float data read as double is exact.
            Assert.Equal(f.ToArray().Select(v => (double)v), Parse<double>(Serialize(f)).ToArray());
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
        foreach (var shape in new[] { new[] { 0 }, new[] { 3, 0, 2 } })
            Assert.Equal(shape, Parse<float>(Serialize(Tensor<float>.Zeros(shape))).ShapeArray());
    }

    [Fact]
    public void FileWriteIsAtomicAndReadable()
    {
        using var dir = new TempDir();
        var path = dir.File("a.npy");
        var t = Tensor<double>.Arange(12).Reshape(3, 4).Transpose();
        Npy.Write(path, t);
        Npy.Write(path, t); // overwrite
        Assert.Equal(t.ToArray(), Npy.Read<double>(path).ToArray());
        Assert.Equal([4, 3], Npy.Read<double>(path).ShapeArray());
        Assert.Equal(["a.npy"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AHugeClaimedShapeOnAShortStreamDoesNotAllocateIt()
    {
        // 500 million doubles (4 GB) claimed, 16 bytes present.
        var image = Bytes.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (500000000,), }\n", new byte[16]);
        foreach (var stream in new Stream[] { new MemoryStream(image), new NonSeekable(image) })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<NpyFormatException>(() => Npy.Read<double>(stream, "claim.npy"));
            Assert.Equal(NpyErrorKind.Truncated, e.Kind);
            Assert.Contains("4000000000", e.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated more than 64 MB");
        }
    }

    [Fact]
    public void NonSeekableStreamsReadInChunks()
    {
        var t = Tensor<float>.Arange(300_000); // more than one 1 MiB chunk
        Assert.Equal(t.ToArray(), Npy.Read<float>(new NonSeekable(Serialize(t)), "pipe").ToArray());
    }

    private sealed class NonSeekable(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
