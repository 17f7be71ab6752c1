namespace Noether.Tensors.Autodiff;

/// <summary>
/// Controls whether operations record the autodiff graph on the current thread/async flow.
/// <c>using (GradMode.NoGrad()) { … }</c> runs inference without building graphs.
/// </summary>
public static class GradMode
{
    private static readonly AsyncLocal<bool> s_disabled = new();

    /// <summary>True when operations record gradients (the default).</summary>
    public static bool IsEnabled => !s_disabled.Value;

    /// <summary>Disables graph recording until the returned scope is disposed.</summary>
    public static IDisposable NoGrad()
    {
        bool previous = s_disabled.Value;
        s_disabled.Value = true;
        return new Scope(previous);
    }

    private sealed class Scope(bool previous) : IDisposable
    {
        private bool _disposed;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            s_disabled.Value = previous;
        }
    }
}
