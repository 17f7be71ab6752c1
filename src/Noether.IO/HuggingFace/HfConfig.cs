using System.Text.Json;

namespace Noether.IO.HuggingFace;

/// <summary>
/// A checkpoint's <c>config.json</c>, read defensively: every value is checked for its JSON type and range, and a bad
/// one is reported as one line naming the file and the key.
/// </summary>
internal sealed class HfConfig
{
    private readonly JsonElement _root;

    private HfConfig(string path, JsonElement root)
    {
        Path = path;
        _root = root;
    }

    /// <summary>The config file.</summary>
    public string Path { get; }

    /// <summary>Reads and parses <paramref name="path"/> (at most 1 MiB: a config is small).</summary>
    public static HfConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found; a Hugging Face checkpoint folder holds config.json and the weights", path);
        var info = new FileInfo(path);
        if (info.Length > 1 << 20) throw new InvalidDataException($"{path}: {info.Length} bytes, too large for a model config (at most 1 MiB)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 32 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: the config must be a JSON object, found {doc.RootElement.ValueKind}");
            return new HfConfig(path, doc.RootElement.Clone());
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e); }
    }

    /// <summary>The first entry of <c>architectures</c>, or null when absent.</summary>
    public string? Architecture
    {
        get
        {
            if (!_root.TryGetProperty("architectures", out var a) || a.ValueKind == JsonValueKind.Null) return null;
            if (a.ValueKind != JsonValueKind.Array || a.GetArrayLength() == 0 || a[0].ValueKind != JsonValueKind.String)
                throw Bad("architectures", "must be a non-empty array of strings", a);
            return a[0].GetString();
        }
    }

    /// <summary>True when the key is present and not null.</summary>
    public bool Has(string key) => _root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>A positive integer (or ≥ <paramref name="min"/>); <paramref name="fallback"/> when absent.</summary>
    public int Int(string key, int? fallback = null, int min = 1)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return fallback ?? throw new InvalidDataException($"{Path}: \"{key}\" is missing");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var i)) throw Bad(key, "must be an integer", v);
        if (i < min) throw Bad(key, $"must be at least {min}", v);
        return i;
    }

    /// <summary>A finite number; <paramref name="fallback"/> when absent.</summary>
    public double Double(string key, double? fallback = null) => Number(_root, key, fallback, key);

    /// <summary>A boolean; <paramref name="fallback"/> when absent.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Bad(key, "must be true or false", v) };
    }

    /// <summary>A string; <paramref name="fallback"/> when absent.</summary>
    public string? String(string key, string? fallback = null)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(key, "must be a string", v);
    }

    /// <summary>An object value (e.g. <c>rope_scaling</c>), or null when absent.</summary>
    public JsonElement? Object(string key)
    {
        if (!_root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Object ? v : throw Bad(key, "must be an object", v);
    }

    /// <summary>A finite number inside an object value, named <paramref name="where"/> in errors.</summary>
    public double Number(JsonElement o, string key, double? fallback, string where)
    {
        if (!o.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return fallback ?? throw new InvalidDataException($"{Path}: \"{where}\" is missing");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d)) throw Bad(where, "must be a finite number", v);
        return d;
    }

    /// <summary>An error naming the file, the key and the value found.</summary>
    public InvalidDataException Bad(string key, string what, JsonElement? found = null)
    {
        var text = found is { } f ? f.GetRawText() : "";
        if (text.Length > 60) text = text[..57] + "…";
        return new InvalidDataException(ModelFormatException.Escape($"{Path}: \"{key}\" {what}{(found is null ? "" : $", found {text}")}"));
    }
}
