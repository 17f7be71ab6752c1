using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>Weights-only safetensors files (PyTorch state dicts) load with their architecture given as graph JSON.</summary>
public class ArchitectureSidecarTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("noether-sidecar-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (Model<double> Model, string Weights) WeightsOnly()
    {
        var model = Model<double>.Initialize(Builders.Mlp(6, [5], 3), new Rng(4));
        var weights = Path.Combine(_dir, "state_dict.safetensors");
        SafetensorsWriter.Write(weights, model.Parameters); // no __metadata__: weights only, as PyTorch writes them
        return (model, weights);
    }

    [Fact]
    public void SidecarJsonBesideTheWeightsIsFound()
    {
        var (model, weights) = WeightsOnly();
        ModelFiles.SaveArchitecture(model.Graph, Path.Combine(_dir, "state_dict.json"));
        var loaded = ModelFiles.Load<double>(weights);
        var x = Tensor<double>.RandomNormal(new Rng(1), 4, 6);
        Assert.Equal(0.0, model.Predict(x)[0].MaxAbsDiff(loaded.Predict(x)[0]));
    }

    [Fact]
    public void ExplicitArchitectureFileWins()
    {
        var (model, weights) = WeightsOnly();
        var arch = Path.Combine(_dir, "mlp-architecture.json");
        ModelFiles.SaveArchitecture(model.Graph, arch);
        Assert.Equal(model.Graph.Nodes, ModelFiles.Load<double>(weights, arch).Graph.Nodes);
    }

    [Fact]
    public void MissingOrWrongArchitecturesGiveClearErrors()
    {
        var (_, weights) = WeightsOnly();
        var none = Assert.Throws<InvalidDataException>(() => ModelFiles.Load<double>(weights));
        Assert.Contains("state_dict.json", none.Message); Assert.Contains("--arch", none.Message);
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, "{\"format\": \"something else\"}");
        var invalid = Assert.Throws<InvalidDataException>(() => ModelFiles.Load<double>(weights, bad));
        Assert.Contains(bad, invalid.Message);
        // An architecture whose parameters the weights do not have names the missing tensor and its shape.
        var other = Path.Combine(_dir, "other.json");
        ModelFiles.SaveArchitecture(Builders.Mlp(6, [7], 3), other);
        var shape = Assert.ThrowsAny<Exception>(() => ModelFiles.Load<double>(weights, other));
        Assert.Contains("layers.0.weight", shape.Message);
        Assert.Throws<FileNotFoundException>(() => ModelFiles.Load<double>(weights, Path.Combine(_dir, "absent.json")));
    }
}
