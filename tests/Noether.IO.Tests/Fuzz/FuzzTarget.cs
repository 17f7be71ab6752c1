namespace Noether.IO.Tests.Fuzz;

/// <summary>
/// One file format under fuzzing: valid seed files, how to open a file completely, which exceptions are the format's
/// clean one-line errors, and optionally a structure-aware mutator (e.g. protobuf fields for ONNX).
/// </summary>
/// <param name="Format">Short name, e.g. <c>onnx</c>.</param>
/// <param name="Extension">File extension the reader expects, e.g. <c>.onnx</c>.</param>
/// <param name="Seeds">Valid files to mutate; each must open successfully.</param>
/// <param name="Open">Reads the file at a path completely (every tensor decoded); returns normally on success.</param>
/// <param name="IsClean">True for the format's one-line error types.</param>
/// <param name="Structured">A format-aware mutation (null: byte-level mutations only).</param>
public sealed record FuzzTarget(
    string Format,
    string Extension,
    IReadOnlyList<byte[]> Seeds,
    Action<string> Open,
    Func<Exception, bool> IsClean,
    Func<byte[], Noether.Tensors.Rng, byte[]>? Structured = null);
