using System.Text.Json;

namespace Noether.IO.Tests.OnnxZoo;

/// <summary>One graph input of a zoo model: its ONNX name and the seeded .npy that feeds it.</summary>
public sealed record ZooInput(string Name, string File, string Dtype, int[] Shape);

/// <summary>One graph output of a zoo model and its golden .npy (PyTorch for generated models, ONNX Runtime for real ones).</summary>
public sealed record ZooOutput(string Name, string Golden);

/// <summary>A model of the ONNX zoo (data/onnx-zoo/manifest.json), with paths relative to the zoo directory.</summary>
public sealed record ZooModel(string Name, string Kind, string File, int Opset, IReadOnlyList<ZooInput> Inputs,
    IReadOnlyList<ZooOutput> Outputs, string? Sha256)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Reads the zoo's manifest, written by data/onnx-zoo/generate.py.</summary>
public static class ZooManifest
{
    /// <summary>The zoo directory in the test output.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "data", "onnx-zoo");

    /// <summary>A path inside the zoo directory.</summary>
    public static string PathOf(string relative) => Path.Combine(Directory, relative);

    /// <summary>Every model, generated first, then real.</summary>
    public static IReadOnlyList<ZooModel> Models { get; } = Load();

    /// <summary>A model by name.</summary>
    public static ZooModel Get(string name) => Models.Single(m => m.Name == name);

    private static List<ZooModel> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("manifest.json")));
        var models = new List<ZooModel>();
        foreach (var kind in new[] { "generated", "real" })
            foreach (var m in doc.RootElement.GetProperty(kind).EnumerateArray())
                models.Add(new ZooModel(
                    m.GetProperty("name").GetString()!, kind, m.GetProperty("file").GetString()!, m.GetProperty("opset").GetInt32(),
                    m.GetProperty("inputs").EnumerateArray().Select(i => new ZooInput(i.GetProperty("name").GetString()!,
                        i.GetProperty("file").GetString()!, i.GetProperty("dtype").GetString()!,
                        i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray())).ToList(),
                    m.GetProperty("outputs").EnumerateArray().Select(o => new ZooOutput(o.GetProperty("name").GetString()!,
                        o.GetProperty("golden").GetString()!)).ToList(),
                    m.TryGetProperty("source", out var s) ? s.GetProperty("sha256").GetString() : null));
        return models;
    }
}
