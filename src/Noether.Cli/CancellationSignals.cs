using System.Runtime.InteropServices;

namespace Noether.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl-C) or SIGTERM into a cancelled token, so the running verb stops at its next check,
/// removes its temporary files and exits 130 with nothing written. A second signal is not intercepted: the process
/// then ends at once (stale temporary files are cleaned by the next write to that folder).
/// </summary>
/// <remarks>
/// This replaces System.CommandLine's own termination handler (disabled with
/// <c>ProcessTerminationTimeout = null</c>), which waits inside the signal callback and, when a second signal
/// arrives after its timeout, completes its TaskCompletionSource twice and crashes the process with "An attempt
/// was made to transition a task to a final state when it had already completed".
/// </remarks>
internal sealed class CancellationSignals : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    /// <summary>Registers the handlers (SIGINT and SIGTERM).</summary>
    public CancellationSignals()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1) return; // default action: terminate now
        context.Cancel = true;
        try { _source.Cancel(); }
        catch (AggregateException) { } // a registered callback failed; the token is cancelled regardless
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}
