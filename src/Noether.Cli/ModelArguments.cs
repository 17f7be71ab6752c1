using Noether.Cli.Commands;
using Noether.IO;
using Noether.Nn;

namespace Noether.Cli;

/// <summary>Loading and saving models for verbs: precision is kept, inputs are never overwritten.</summary>
internal static class ModelArguments
{
    /// <summary>Loads a model in float64 and reports whether its file stored float32 or float64.</summary>
    public static (Model<double> Model, string Precision) Load(string path, string? architecture = null)
    {
        var model = ModelFiles.Load<double>(path, architecture);
        return (model, ModelPrecision.Resolve("auto", path));
    }

    /// <summary>Saves in the given precision after checking that <paramref name="output"/> is none of <paramref name="inputs"/>.</summary>
    public static void Save(Model<double> model, string output, string precision, IReadOnlyDictionary<string, string>? metadata, params string[] inputs)
    {
        foreach (var i in inputs)
            if (ModelPrecision.SamePath(i, output)) throw new ArgumentException($"Refusing to overwrite the input {i}; choose another --out");
        if (precision == "float32") ModelFiles.Save(model.Cast<float>(), output, metadata);
        else ModelFiles.Save(model, output, metadata);
    }
}
