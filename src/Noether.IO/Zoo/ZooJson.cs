using System.Text.Json;
using Noether.IO.Internal;

namespace Noether.IO.Zoo;

/// <summary>JSON files of a zoo directory: snake_case, written atomically, read as hostile input.</summary>
internal static class ZooJson
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write<TValue>(string path, TValue value)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, Options);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>Reads <paramref name="path"/> (at most 64 MiB) or throws <see cref="ModelFormatException"/> naming it.</summary>
    public static TValue Read<TValue>(string path) where TValue : class
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path}: no such file", path);
        if (info.Length > 64L << 20) throw new ZooFormatException(path, $"{path}: {info.Length} bytes is too large for a zoo file (limit 64 MiB)");
        try
        {
            return JsonSerializer.Deserialize<TValue>(File.ReadAllBytes(path), Options)
                ?? throw new ZooFormatException(path, $"{path}: empty JSON document");
        }
        catch (JsonException e)
        {
            throw new ZooFormatException(path, $"{path}: not a valid zoo file: {e.Message}");
        }
    }
}
