namespace Noether.Tensors;

/// <summary>
/// How many threads Noether's heavy kernels (GEMM, convolutions, batched products) may use on the current logical
/// call flow: every core by default, fewer inside a <see cref="Limit"/> scope (benchmarks compare thread settings;
/// on a loaded machine one thread can beat two).
/// </summary>
public static class Parallelism
{
    private static readonly AsyncLocal<int> s_limit = new();

    /// <summary>The thread budget in force: the innermost <see cref="Limit"/>, else <see cref="Environment.ProcessorCount"/>.</summary>
    public static int MaxThreads => s_limit.Value > 0 ? Math.Min(s_limit.Value, Environment.ProcessorCount) : Environment.ProcessorCount;

    /// <summary>Caps the kernels at <paramref name="threads"/> threads until the returned scope is disposed.</summary>
    public static Scope Limit(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"Parallelism.Limit: thread count must be positive, got {threads}");
        int previous = s_limit.Value;
        s_limit.Value = threads;
        return new Scope(previous);
    }

    /// <summary>Options for <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> within the budget.</summary>
    internal static ParallelOptions Options => new() { MaxDegreeOfParallelism = MaxThreads };

    /// <summary>Restores the previous budget when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly int _previous;
        internal Scope(int previous) => _previous = previous;
        /// <summary>Leaves the scope.</summary>
        public void Dispose() => s_limit.Value = _previous;
    }
}
