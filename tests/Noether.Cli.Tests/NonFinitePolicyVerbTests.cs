using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>
/// Issue 11's non-finite policy at the verbs: a transform that moves float32 weights past float32's range fails naming
/// the tensor and the factor and writes nothing (it used to write ±∞ and exit 0); float16 and bfloat16 models are written
/// back in their element type.
/// </summary>
public class NonFinitePolicyVerbTests
{
    private static Model<float> Mlp(float firstLayerWeight)
    {
        var m = Model<float>.Initialize(Builders.Mlp(4, [16], 3), new Rng(5));
        var name = m.Graph.Parameters.First(p => p.Trainable && p.Shape.Length == 2).Name;
        return m.WithParameters(new Dictionary<string, Tensor<float>> { [name] = Tensor<float>.Full(firstLayerWeight, m[name].ShapeArray()) });
    }

    [Fact]
    public async Task ATransformBeyondFloat32FailsNamingTensorAndFactorAndWritesNothing()
    {
        var model = CliRunner.TempFile(".safetensors"); var moved = CliRunner.TempFile(".safetensors");
        var m = Mlp(3.0e38f);
        ModelFiles.Save(m, model);
        var first = m.Graph.Parameters.First(p => p.Trainable && p.Shape.Length == 2).Name;
        var (code, _, err) = await CliRunner.Run("transform", model, "--random", "--seed", "1", "--out", moved);
        Assert.Equal(2, code);
        Assert.Contains($"'{first}'", err);
        Assert.Contains("factor '", err);
        Assert.Contains("beyond the largest F32", err);
        Assert.False(File.Exists(moved));
        File.Delete(model);
    }

    [Theory]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.BF16)]
    public async Task NarrowModelsAreWrittenBackInTheirElementType(SafetensorsDtype dtype)
    {
        var model = CliRunner.TempFile(".safetensors"); var moved = CliRunner.TempFile(".safetensors");
        var m = Model<float>.Initialize(Builders.Mlp(4, [16], 3), new Rng(5));
        ModelFiles.Save(m, model, null, m.Parameters.Keys.ToDictionary(k => k, _ => dtype));
        await CliRunner.Json("transform", model, "--random", "--seed", "2", "--out", moved);
        using (var file = SafetensorsFile.Open(moved))
            Assert.All(file.Entries, e => Assert.Equal(dtype, e.Dtype));
        var back = ModelFiles.Load<float>(moved);
        Assert.True(back.Parameters.Values.Any(t => t.MaxAbsDiff(Tensor<float>.Zeros(t.ShapeArray())) > 0));
        File.Delete(model); File.Delete(moved);
    }

    [Fact]
    public async Task AFloat16TransformThatOverflowsFloat16IsRefused()
    {
        // 60000 fits float16 (max 65504), but the random scaling of 16 channels pushes some weight beyond it.
        var model = CliRunner.TempFile(".safetensors"); var moved = CliRunner.TempFile(".safetensors");
        var m = Mlp(60000f);
        ModelFiles.Save(m, model, null, m.Parameters.Keys.ToDictionary(k => k, _ => SafetensorsDtype.F16));
        var (code, _, err) = await CliRunner.Run("transform", model, "--random", "--seed", "1", "--out", moved);
        Assert.Equal(2, code);
        Assert.Contains("beyond the largest F16", err);
        Assert.False(File.Exists(moved));
        File.Delete(model);
    }
}
