using System.CommandLine;
using Noether.IO;

namespace Noether.Cli.Commands;

/// <summary>The shared <c>--dtype</c> option of the verbs that load models: auto (the stored type), float32 or float64.</summary>
internal static class ModelPrecision
{
    public static Option<string> Option() => new Option<string>("--dtype") { Description = "Precision to load the model in: auto (as stored), float32 or float64.", DefaultValueFactory = _ => "auto" }.OneOf("auto", "float32", "float64");

    /// <summary>Resolves <c>auto</c> against the file: float64 weights load as float64, everything else as float32.</summary>
    public static string Resolve(string requested, string path) => requested switch
    {
        "float32" or "float64" => requested,
        "auto" => ModelFileInfo.StoredElementType(path) == "float64" ? "float64" : "float32",
        _ => throw new ArgumentException($"--dtype must be auto, float32 or float64, got '{requested}'"),
    };

    /// <summary>Throws unless the file exists (a one-line reason, before any parsing).</summary>
    public static void RequireFile(string path, string what)
    {
        if (File.Exists(path) || Noether.IO.HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(path)) return;
        if (Directory.Exists(path))
            throw new FileNotFoundException($"{path} is a folder without config.json; a Hugging Face checkpoint folder holds config.json and model.safetensors (or shards and model.safetensors.index.json)", path);
        throw new FileNotFoundException($"{what} not found: {path}", path);
    }

    /// <summary>True when both paths name the same file.</summary>
    public static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
