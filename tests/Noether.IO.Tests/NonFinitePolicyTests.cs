using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>Issue 11: one policy for non-finite weights across formats, and no silent ±∞ on narrowing writes.</summary>
public class NonFinitePolicyTests
{
    [Fact]
    public void AnOnnxModelWithNaNInATrainableWeightIsRefusedNamingTheTensor()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 2).Floats("fc.weight", [2, 2], 1, float.NaN, 0, 1)
            .Node("MatMul", ["x", "fc.weight"], "y").Output("y").Save(dir);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("contains NaN (element ", e.Message); // stored transposed as a Linear weight
        Assert.Contains("fc", e.Message);
    }

    [Fact]
    public void AnOnnxAdditiveMaskOfInfinitiesStillImports()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 2).Floats("mask", [2], 0, float.NegativeInfinity)
            .Node("Add", ["x", "mask"], "y").Output("y").Save(dir);
        Assert.NotNull(OnnxImporter.Load<float>(path));
    }

    [Theory]
    [InlineData(SafetensorsDtype.F16, 70000.0)]
    [InlineData(SafetensorsDtype.BF16, 3.5e38)]
    [InlineData(SafetensorsDtype.F32, 3.5e38)]
    public void AValueBeyondTheStoredTypeIsRefusedAndNothingIsWritten(SafetensorsDtype dtype, double value)
    {
        using var dir = new TempDir();
        var m = Model<double>.Initialize(Builders.Mlp(3, [4], 2), new Rng(1));
        var name = m.Graph.Parameters[0].Name;
        var big = m[name].ToArray(); big[5] = value;
        m = m.WithParameters(new Dictionary<string, Tensor<double>> { [name] = new Tensor<double>(big, m[name].ShapeArray()) });
        var path = dir.File("m.safetensors");
        var e = Assert.Throws<ValueOverflowException>(() => ModelFiles.Save(m, path, null, m.Parameters.Keys.ToDictionary(k => k, _ => dtype)));
        Assert.Equal(name, e.Tensor);
        Assert.Equal(5, e.Element);
        Assert.Contains($"'{name}'", e.Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.BF16)]
    public void NarrowTypesRoundTripToTheNearestRepresentableValue(SafetensorsDtype dtype)
    {
        using var dir = new TempDir();
        var m = Model<double>.Initialize(Builders.Mlp(3, [4], 2), new Rng(1));
        var path = dir.File("m.safetensors");
        ModelFiles.Save(m, path, null, m.Parameters.Keys.ToDictionary(k => k, _ => dtype));
        var back = ModelFiles.Load<double>(path);
        using var file = SafetensorsFile.Open(path);
        Assert.All(file.Entries, e => Assert.Equal(dtype, e.Dtype));
        foreach (var (k, t) in m.Parameters)
            Assert.Equal(t.ToArray().Select(v => StorageRange.Round(v, dtype)), back[k].ToArray());
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        Assert.Equal(0x3F80, StorageRange.ToBFloat16(1f));
        Assert.Equal(0x3F80, StorageRange.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808000))); // tie → even
        Assert.Equal(0x3F82, StorageRange.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F818000))); // tie → even (up)
        Assert.Equal(0x3F81, StorageRange.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.Equal(0x7F80, StorageRange.ToBFloat16(float.PositiveInfinity));
    }
}
