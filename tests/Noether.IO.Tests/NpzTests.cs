using System.IO.Compression;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>.npz archives: NumPy's stored and deflated archives, round trips, deterministic output, malformed archives.</summary>
public class NpzTests
{
    // np.savez / np.savez_compressed (NumPy 1.24.2) of w=arange(6, float32).reshape(2,3), b=[1,-2,3] int64, m=[[T,F],[F,T]].
    private const string NumpySavez = "UEsDBBQAAAAAAAAAIQBP6QAqmAAAAJgAAAAFABQAdy5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAgD8AAABAAABAQAAAgEAAAKBAUEsDBBQAAAAAAAAAIQB0qPMwmAAAAJgAAAAFABQAYi5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQAAAAAAAAD+/////////wMAAAAAAAAAUEsDBBQAAAAAAAAAIQC75EythAAAAIQAAAAFABQAbS5ucHkBABAAhAAAAAAAAACEAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJ3xiMScsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQAAAVBLAQIUAxQAAAAAAAAAIQBP6QAqmAAAAJgAAAAFAAAAAAAAAAAAAACAAQAAAAB3Lm5weVBLAQIUAxQAAAAAAAAAIQB0qPMwmAAAAJgAAAAFAAAAAAAAAAAAAACAAc8AAABiLm5weVBLAQIUAxQAAAAAAAAAIQC75EythAAAAIQAAAAFAAAAAAAAAAAAAACAAZ4BAABtLm5weVBLBQYAAAAAAwADAJkAAABZAgAAAAA=";
    private const string NumpySavezCompressed = "UEsDBBQAAAAIAAAAIQBP6QAqVQAAAJgAAAAFABQAdy5ucHkBABAAmAAAAAAAAABVAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYwaLAHEg5ABMQNQLzAAQBQSwMEFAAAAAgAAAAhAHSo8zBOAAAAmAAAAAUAFABiLm5weQEAEACYAAAAAAAAAE4AAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNpoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjqaOgq1ChQALkYGCPj3HwKYoXwAUEsDBBQAAAAIAAAAIQC75EytSgAAAIQAAAAFABQAbS5ucHkBABAAhAAAAAAAAABKAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF6TZKiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CkaaOgq1CmQDLkYGBkYAUEsBAhQDFAAAAAgAAAAhAE/pACpVAAAAmAAAAAUAAAAAAAAAAAAAAIABAAAAAHcubnB5UEsBAhQDFAAAAAgAAAAhAHSo8zBOAAAAmAAAAAUAAAAAAAAAAAAAAIABjAAAAGIubnB5UEsBAhQDFAAAAAgAAAAhALvkTK1KAAAAhAAAAAUAAAAAAAAAAAAAAIABEQEAAG0ubnB5UEsFBgAAAAADAAMAmQAAAJIBAAAAAA==";

    [Theory]
    [InlineData(NumpySavez)]
    [InlineData(NumpySavezCompressed)]
    public void ReadsNumpysStoredAndDeflatedArchives(string base64)
    {
        using var dir = new TempDir();
        var arrays = Npz.Read<double>(dir.Write("np.npz", Convert.FromBase64String(base64)));
        Assert.Equal(["w", "b", "m"], arrays.Keys);
        Assert.Equal([2, 3], arrays["w"].ShapeArray());
        Assert.Equal(new double[] { 0, 1, 2, 3, 4, 5 }, arrays["w"].ToArray());
        Assert.Equal(new double[] { 1, -2, 3 }, arrays["b"].ToArray());
        Assert.Equal(new double[] { 1, 0, 0, 1 }, arrays["m"].ToArray());
    }

    [Fact]
    public void WriteStoresDeterministicallyAndRoundTrips()
    {
        using var dir = new TempDir();
        var rng = new Rng(7);
        var arrays = new Dictionary<string, Tensor<float>>
        {
            ["layer.0/weight"] = Tensor<float>.RandomNormal(rng, 4, 3),
            ["bias"] = Tensor<float>.RandomNormal(rng, 3),
            ["empty"] = Tensor<float>.Zeros(0, 2),
        };
        var a = dir.File("a.npz");
        var b = dir.File("b.npz");
        Npz.Write(a, arrays);
        Npz.Write(b, arrays);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        using (var zip = ZipFile.OpenRead(a))
        {
            Assert.Equal(["layer.0/weight.npy", "bias.npy", "empty.npy"], zip.Entries.Select(e => e.FullName));
            Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength)); // stored, not deflated
        }
        var read = Npz.Read<float>(a);
        Assert.Equal(arrays.Keys, read.Keys);
        foreach (var (name, t) in arrays)
        {
            Assert.Equal(t.ShapeArray(), read[name].ShapeArray());
            Assert.Equal(t.ToArray(), read[name].ToArray());
        }
        // Each member is a valid standalone .npy file.
        using var zip2 = ZipFile.OpenRead(a);
        using var member = zip2.GetEntry("bias.npy")!.Open();
        Assert.Equal(arrays["bias"].ToArray(), Npy.Read<float>(member, "bias.npy").ToArray());
    }

    private static NpyFormatException Fails(NpyErrorKind kind, byte[] archive, params string[] mentions)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.npz", archive);
        var e = Assert.Throws<NpyFormatException>(() => Npz.Read<float>(path));
        Assert.Equal(kind, e.Kind);
        Assert.StartsWith(path, e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        return e;
    }

    private static byte[] Zip(params (string Name, byte[] Data, CompressionLevel Level)[] members)
    {
        var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data, level) in members)
            {
                using var s = zip.CreateEntry(name, level).Open();
                s.Write(data);
            }
        }
        return memory.ToArray();
    }

    private static byte[] OneFloat()
    {
        var m = new MemoryStream();
        Npy.Write(m, Tensor<float>.FromArray([1f]));
        return m.ToArray();
    }

    [Fact]
    public void NotAZipArchive()
    {
        Fails(NpyErrorKind.InvalidArchive, Bytes.F64LE(1, 2, 3, 4, 5, 6, 7, 8), "zip");
        var good = Convert.FromBase64String(NumpySavez);
        Fails(NpyErrorKind.InvalidArchive, good[..(good.Length - 30)], "zip");
    }

    [Fact]
    public void CorruptDeflateDataIsAnArchiveError()
    {
        var bytes = Convert.FromBase64String(NumpySavezCompressed);
        for (int i = 60; i < 100; i++) bytes[i] ^= 0x5A; // inside the first member's compressed data
        var e = Fails(NpyErrorKind.InvalidArchive, bytes, "[w.npy]");
        Assert.EndsWith("[w.npy]", e.FilePath);
    }

    [Fact]
    public void MembersMustBeUniqueNpyFiles()
    {
        Fails(NpyErrorKind.DuplicateEntry, Zip(("a.npy", OneFloat(), CompressionLevel.NoCompression), ("a.npy", OneFloat(), CompressionLevel.Optimal)), "'a'", "[a.npy]");
        Fails(NpyErrorKind.UnexpectedEntry, Zip(("a.npy", OneFloat(), CompressionLevel.NoCompression), ("readme.txt", [1, 2], CompressionLevel.NoCompression)), "[readme.txt]");
    }

    [Fact]
    public void MalformedMembersReportTheirNpyErrorAndMemberName()
    {
        var bad = OneFloat()[..^2];
        var e = Fails(NpyErrorKind.Truncated, Zip(("good.npy", OneFloat(), CompressionLevel.NoCompression), ("bad.npy", bad, CompressionLevel.Optimal)), "[bad.npy]", "(1,)");
        Assert.EndsWith("bad.npz[bad.npy]", e.FilePath);
    }
}
