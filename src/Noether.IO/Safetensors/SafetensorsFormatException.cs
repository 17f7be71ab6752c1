namespace Noether.IO;

/// <summary>
/// A safetensors file is malformed or hostile. <see cref="Kind"/> says which check failed; the message names the
/// file, the tensor and the shapes or offsets involved.
/// </summary>
public sealed class SafetensorsFormatException : ModelFormatException
{
    /// <summary>Creates the exception; the message is prefixed with the file path and ends with the kind.</summary>
    public SafetensorsFormatException(SafetensorsErrorKind kind, string path, string? tensorName, string detail, Exception? inner = null)
        : base(path, $"{path}: {(tensorName is null ? "" : $"tensor '{tensorName}': ")}{detail} [{kind}]", inner)
    {
        Kind = kind;
        TensorName = tensorName;
    }

    /// <summary>Which check failed.</summary>
    public SafetensorsErrorKind Kind { get; }

    /// <summary>The tensor whose entry is at fault, when the fault belongs to one.</summary>
    public string? TensorName { get; }
}
