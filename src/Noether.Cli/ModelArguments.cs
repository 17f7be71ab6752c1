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

    /// <summary>
    /// Saves in the given precision after checking that <paramref name="output"/> is none of <paramref name="inputs"/>.
    /// A model read from .onnx (<paramref name="inputs"/>[0]) and written as .onnx keeps its file: only weights change
    /// (<see cref="OnnxWriteBack"/>); where that is impossible the exporter writes a new graph. Returns a one-line note
    /// saying which happened (null for other formats).
    /// </summary>
    public static string? Save(Model<double> model, string output, string precision, IReadOnlyDictionary<string, string>? metadata, params string[] inputs)
    {
        foreach (var i in inputs)
            if (ModelPrecision.SamePath(i, output)) throw new ArgumentException($"Refusing to overwrite the input {i}; choose another --out");
        bool onnx = IsOnnx(output) && inputs.Length > 0 && IsOnnx(inputs[0]);
        if (onnx)
        {
            ModelFiles.CheckWritable(output);
            var reason = OnnxWriteBack.TrySave(inputs[0], model, output);
            if (reason is null) return $"kept {Path.GetFileName(inputs[0])}'s graph, names, shapes, opset and metadata; only weights changed";
            Write(model, output, precision, metadata);
            return $"wrote a new ONNX graph (names and shapes may differ from {Path.GetFileName(inputs[0])}): {reason}";
        }
        Write(model, output, precision, metadata);
        return null;
    }

    private static void Write(Model<double> model, string output, string precision, IReadOnlyDictionary<string, string>? metadata)
    {
        if (precision == "float32") ModelFiles.Save(model.Cast<float>(), output, metadata);
        else ModelFiles.Save(model, output, metadata);
    }

    private static bool IsOnnx(string path) => Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase);
}
