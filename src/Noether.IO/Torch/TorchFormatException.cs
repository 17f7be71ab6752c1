namespace Noether.IO;

/// <summary>
/// A PyTorch file is malformed, hostile or in a form Noether does not read (legacy pre-1.6 format, TorchScript,
/// a pickle naming a global outside the tensor-rebuild allowlist). The message is one line naming the file.
/// </summary>
public sealed class TorchFormatException : ModelFormatException
{
    /// <summary>Creates the exception; the message is prefixed with the file path.</summary>
    public TorchFormatException(string path, string detail, Exception? inner = null) : base(path, $"{path}: {detail}", inner) { }
}
