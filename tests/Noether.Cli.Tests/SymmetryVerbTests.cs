using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Tests;

public class SymmetryVerbTests
{
    [Fact]
    public async Task InspectOfAWidth512ReluMlpReportsThreeMonomialGroups()
    {
        var path = CliRunner.TempFile(".safetensors");
        ModelFiles.Save(Model<float>.Initialize(Builders.Mlp(784, [512, 512, 512], 10), new Rng(0)), path);
        var doc = await CliRunner.Json("inspect", path);
        var factors = doc.GetProperty("factors").EnumerateArray().ToArray();
        Assert.Equal(3, factors.Length);
        double log10Factorial512 = 1166.5412408857692; // lgamma(513) / ln 10, computed independently in Python
        foreach (var f in factors)
        {
            Assert.Equal("S_512 ⋉ (R+)^512", f.GetProperty("group").GetString());
            Assert.Equal(512, f.GetProperty("continuous_dimension").GetInt64());
            Assert.Equal(log10Factorial512, f.GetProperty("log10_finite_order").GetDouble(), 6);
        }
        Assert.Equal(3 * 512, doc.GetProperty("continuous_dimension").GetInt64());
        Assert.Equal(3 * log10Factorial512, doc.GetProperty("log10_finite_order").GetDouble(), 6);
        File.Delete(path);
    }

    [Fact]
    public async Task TrainTransformVerifyAndCanonicalizeCompose()
    {
        var model = CliRunner.TempFile(".safetensors"); var moved = CliRunner.TempFile(".safetensors");
        var canonA = CliRunner.TempFile(".safetensors"); var canonB = CliRunner.TempFile(".safetensors");
        var train = await CliRunner.Json("train", "--model", "mlp", "--data", "digits", "--epochs", "2", "--width", "32", "--dtype", "float64", "--out", model);
        Assert.True(train.GetProperty("test_accuracy").GetDouble() > 0.5);
        var t = await CliRunner.Json("transform", model, "--random", "--seed", "3", "--out", moved);
        Assert.True(t.GetProperty("max_parameter_change").GetDouble() > 1e-3);
        var same = await CliRunner.Json("verify", model, moved);
        Assert.True(same.GetProperty("equal").GetBoolean());
        Assert.True(same.GetProperty("max_rel_diff").GetDouble() < 1e-10);
        await CliRunner.Json("canonicalize", model, "--out", canonA);
        await CliRunner.Json("canonicalize", moved, "--out", canonB);
        var a = ModelFiles.Load<double>(canonA); var b = ModelFiles.Load<double>(canonB);
        Assert.All(a.Parameters, p => Assert.True(p.Value.MaxAbsDiff(b[p.Key]) < 1e-9, $"{p.Key} differs between canonical forms of one orbit"));
        // A different model is a different function: verify exits 1.
        var other = CliRunner.TempFile(".safetensors");
        await CliRunner.Json("train", "--model", "mlp", "--data", "digits", "--epochs", "1", "--width", "32", "--seed", "9", "--out", other);
        var (code, output, _) = await CliRunner.Run("verify", model, other, "--json");
        Assert.Equal(1, code);
        Assert.Contains("\"equal\": false", output);
        foreach (var f in new[] { model, moved, canonA, canonB, other }) File.Delete(f);
    }

    [Fact]
    public async Task BadInputsExitNonZeroWithOneLineReasons()
    {
        var (code, _, err) = await CliRunner.Run("train", "--model", "mlp", "--data", "imagenet");
        Assert.Equal(2, code); Assert.Contains("imagenet", err);
        (code, _, err) = await CliRunner.Run("inspect", "/nonexistent/model.safetensors");
        Assert.Equal(2, code); Assert.Contains("/nonexistent/model.safetensors", err);
        var garbage = CliRunner.TempFile(".safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3]);
        (code, _, err) = await CliRunner.Run("inspect", garbage);
        Assert.Equal(2, code); Assert.Contains(garbage, err);
        var model = CliRunner.TempFile(".safetensors");
        ModelFiles.Save(Model<float>.Initialize(Builders.Mlp(4, [3], 2), new Rng(0)), model);
        var before = File.ReadAllBytes(model);
        (code, _, err) = await CliRunner.Run("transform", model, "--random", "--out", model);
        Assert.Equal(2, code); Assert.Contains("overwrite", err);
        Assert.Equal(before, File.ReadAllBytes(model));
        (code, _, err) = await CliRunner.Run("train", "--model", "resnet99");
        Assert.Equal(2, code); Assert.Contains("resnet99", err);
        File.Delete(garbage); File.Delete(model);
    }
}
