namespace Noether.IO;

/// <summary>
/// Cancels the file reads and writes of Noether.IO (models, arrays, safetensors, ONNX) in one asynchronous flow: inside
/// a <see cref="Scope"/>, a write whose token is cancelled stops with <see cref="OperationCanceledException"/>, its
/// temporary file deleted and the destination untouched (a write that has renamed its file is complete); a model being
/// loaded stops between nodes and tensors.
/// </summary>
public static class FileCancellation
{
    private static readonly AsyncLocal<CancellationToken> s_current = new();

    /// <summary>The token of the innermost open scope of this flow (none outside a scope).</summary>
    public static CancellationToken Current => s_current.Value;

    /// <summary>Makes <paramref name="cancel"/> stop the reads and writes of this flow until the returned scope is disposed.</summary>
    public static IDisposable Scope(CancellationToken cancel)
    {
        var outer = s_current.Value;
        s_current.Value = cancel;
        return new Restore(outer);
    }

    private sealed class Restore(CancellationToken outer) : IDisposable
    {
        public void Dispose() => s_current.Value = outer;
    }
}
