using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using static Noether.IO.Tests.TorchPickles;

namespace Noether.IO.Tests;

/// <summary>
/// PyTorch state dicts written by Debian's PyTorch 1.13 (data/torch/make_torch_golden.py) load without Python and
/// match NumPy copies of their values; a real nn.Module's state dict computes the module's own outputs.
/// </summary>
public class TorchStateDictTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", "torch", name);

    [Fact]
    public void EveryDtypeAndViewMatchesNumpy()
    {
        var dict = TorchStateDict.Read(Data("tensors.pt"));
        var reference = Npz.Read<double>(Data("tensors.npz"));
        Assert.Equal(reference.Keys.Order(), dict.Tensors.Select(t => t.Name).Order()); // "nested.count" (an int) is skipped
        foreach (var (name, want) in reference)
        {
            var got = dict[name].ToTensor<double>();
            Assert.Equal(want.ShapeArray(), got.ShapeArray());
            Assert.Equal(want.ToArray(), got.ToArray()); // exact: every stored type widens to double without rounding
        }
        Assert.Equal("float16", dict["f16"].DType);
        Assert.Equal("bfloat16", dict["bf16"].DType);
        Assert.Equal("int64", dict["i64"].DType);
        Assert.Equal("bool", dict["flags"].DType);
        Assert.Equal(-(1L << 40), dict["i64"].ToTensor<double>()[0]);
        Assert.Equal([4, 3], dict["strided"].Shape); // base[1:, ::2] of a 5×6 matrix: offset 6, strides (6, 2)
        Assert.Equal([6, 5], dict["transposed"].Shape);
        Assert.Equal([14.0, 15, 16, 17], dict["row"].ToTensor<double>().ToArray()[2..]);
        Assert.Equal([1.0, 7, 13, 19], dict["column"].ToTensor<double>().ToArray());
        Assert.Empty(dict["scalar"].Shape);
    }

    /// <summary>The graph of make_torch_golden.py's Net, with PyTorch's parameter names.</summary>
    private static Graph Net()
    {
        var b = new GraphBuilder("net");
        var x = b.Input("x", 2, 4, 4);
        var h = b.Conv2d(x, 3, 3, padding: 1, nodeName: "conv");
        h = b.Activation(b.BatchNorm(h, "bn"), Activation.Relu);
        return b.Build(b.Linear(b.Flatten(h), 5, "fc"));
    }

    [Theory]
    [InlineData("net_state_dict.pt")]
    [InlineData("net_checkpoint.pt")] // {"state_dict": ..., "epoch": 3, "note": ...}: found under the prefix
    public void RealStateDictComputesTheModulesOutput(string file)
    {
        using var dir = new TempDir();
        var arch = dir.File("net.json");
        ModelFiles.SaveArchitecture(Net(), arch);
        var model = ModelFiles.Load<double>(Data(file), arch);
        var io = Npz.Read<double>(Data("net_io.npz"));
        var y = model.Predict(io["x"])[0];
        Assert.Equal(io["y"].ShapeArray(), y.ShapeArray());
        Assert.True(y.MaxAbsDiff(io["y"]) < 1e-5, $"max |Δ| = {y.MaxAbsDiff(io["y"])}");
        Assert.NotEqual(0.0, model["bn.running_mean"][0]); // trained buffers came through
    }

    [Fact]
    public void SidecarArchitectureAndStoredTypeWork()
    {
        using var dir = new TempDir();
        var pt = dir.File("net.pt");
        File.Copy(Data("net_state_dict.pt"), pt);
        ModelFiles.SaveArchitecture(Net(), dir.File("net.json"));
        Assert.Equal(Net().Parameters.Count, ModelFiles.Load<float>(pt).Parameters.Count);
        Assert.Equal("float32", ModelFileInfo.StoredElementType(pt));
        File.Delete(dir.File("net.json"));
        var e = Assert.Throws<InvalidDataException>(() => ModelFiles.Load<float>(pt));
        Assert.Contains("--arch", e.Message);
    }

    [Fact]
    public void NestedCheckpointIsFlattenedWithDottedNames()
    {
        var dict = TorchStateDict.Read(Data("net_checkpoint.pt"));
        Assert.Contains("state_dict.bn.num_batches_tracked", dict.Tensors.Select(t => t.Name));
        Assert.Equal("int64", dict["state_dict.bn.num_batches_tracked"].DType);
        Assert.Equal(3.0, dict["state_dict.bn.num_batches_tracked"].ToTensor<double>().ToArray()[0]);
        Assert.All(dict.Tensors, t => Assert.StartsWith("state_dict.", t.Name));
    }

    [Fact]
    public void HandWrittenViewsResolveStridesAndOffsets()
    {
        var storage = Enumerable.Range(0, 12).SelectMany(i => BitConverter.GetBytes((float)i)).ToArray();
        var pickle = Dict(("t", Tensor("0", "FloatStorage", 12, 1, [2, 3], [4, 2])), ("e", Tensor("0", "FloatStorage", 12, 12, [0], [1])));
        using var dir = new TempDir();
        var dict = TorchStateDict.Read(dir.Write("v.pt", Archive(pickle, ("0", storage))));
        Assert.Equal([1.0, 3, 5, 5, 7, 9], dict["t"].ToTensor<double>().ToArray());
        Assert.Empty(dict["e"].ToTensor<double>().ToArray());
    }
}
