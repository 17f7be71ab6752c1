namespace Noether.IO;

/// <summary>
/// A .npy file or .npz archive is malformed or unsupported. <see cref="Kind"/> says which check failed; the message
/// names the file (and archive member), and the header values or sizes involved.
/// </summary>
public sealed class NpyFormatException : ModelFormatException
{
    /// <summary>Creates the exception; the message is prefixed with the source and ends with the kind.</summary>
    public NpyFormatException(NpyErrorKind kind, string source, string detail, Exception? inner = null)
        : base(source, $"{source}: {detail} [{kind}]", inner) => Kind = kind;

    /// <summary>Which check failed.</summary>
    public NpyErrorKind Kind { get; }
}
