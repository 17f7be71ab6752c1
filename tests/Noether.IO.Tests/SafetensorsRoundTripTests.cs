using FsCheck;
using FsCheck.Fluent;
using Noether.IO.Internal;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>file → memory → file is byte-identical, for every dtype; writes are atomic.</summary>
public class SafetensorsRoundTripTests
{
    [Fact]
    public void FileToMemoryToFileIsByteIdenticalForEveryDtype()
    {
        var gen = from seed in Gen.Choose(0, int.MaxValue)
                  from count in Gen.Choose(0, 12)
                  from metaCount in Gen.Choose(-1, 3)
                  select (seed, count, metaCount);
        using var dir = new TempDir();
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Rng((ulong)c.seed);
            var tensors = Samples.Random(rng, c.count);
            var metadata = c.metaCount < 0 ? null : Enumerable.Range(0, c.metaCount).Select(i => new KeyValuePair<string, string>($"k{rng.NextInt(100)}_{i}", $"v\t{rng.NextUInt64()}")).ToList();
            var first = dir.File($"a{c.seed}.safetensors");
            var second = dir.File($"b{c.seed}.safetensors");
            SafetensorsWriter.Write(first, tensors, metadata);
            using (var file = SafetensorsFile.Open(first))
            {
                var loaded = file.LoadAll();
                Assert.All(loaded.Where(t => t.Dtype == SafetensorsDtype.F32), t => Assert.NotNull(t.AsTensor<float>()));
                Assert.All(loaded.Where(t => t.Dtype == SafetensorsDtype.F64), t => Assert.NotNull(t.AsTensor<double>()));
                Assert.Equal(metadata is null, file.Metadata is null);
                SafetensorsWriter.Write(second, loaded, file.Metadata);
            }
            Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
            File.Delete(first);
            File.Delete(second);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void AsGivenLayoutPreservesAForeignOrder()
    {
        // Written in name order (not the reference's dtype order): a reader must accept it, AsGiven must keep it.
        var header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[3,7]}}";
        header += new string(' ', (8 - header.Length % 8) % 8);
        var image = Bytes.Safetensors(header, Bytes.Concat([1, 2, 3], Bytes.F32LE(2.5f)));
        using var dir = new TempDir();
        var path = dir.Write("foreign.safetensors", image);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(2.5f, file.Read<float>("b").ToScalar());
        Assert.Equal(image, SafetensorsWriter.Serialize(file.LoadAll(), file.Metadata, SafetensorsLayout.AsGiven));
        Assert.NotEqual(image, SafetensorsWriter.Serialize(file.LoadAll(), file.Metadata));
    }

    [Fact]
    public void NonContiguousTensorsAreWrittenRowMajor()
    {
        var t = Tensor<float>.Arange(6).Reshape(2, 3).Transpose();
        using var dir = new TempDir();
        var path = dir.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor<float>> { ["t"] = t });
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new[] { 3, 2 }, file.GetEntry("t").ShapeArray());
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, file.Read<float>("t").ToArray());
    }

    [Fact]
    public void WriteReplacesAtomicallyAndLeavesNoTemporaryFiles()
    {
        using var dir = new TempDir();
        var path = dir.File("x.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.From("x", Tensor<float>.FromArray([1f, 2f, 3f]))]);
        using var old = SafetensorsFile.Open(path);
        var oldView = old.ReadView<float>("x");
        // Overwrite the file that is open and mapped: the old mapping keeps the old inode.
        SafetensorsWriter.Write(path, [SafetensorsTensor.From("x", Tensor<float>.FromArray([9f]))]);
        Assert.Equal(new[] { 1f, 2f, 3f }, oldView.ToArray());
        using (var fresh = SafetensorsFile.Open(path)) Assert.Equal(9f, fresh.Read<float>("x").ToScalar());
        Assert.Equal(["x.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void FailedWriteKeepsTheOldFileAndRemovesTheTemporary()
    {
        using var dir = new TempDir();
        var path = dir.Write("keep.bin", [1, 2, 3]);
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]);
            throw new InvalidOperationException("disk full (simulated)");
        }));
        Assert.Equal("disk full (simulated)", e.Message);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["keep.bin"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }
}
