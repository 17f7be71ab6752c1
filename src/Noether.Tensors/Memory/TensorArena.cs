namespace Noether.Tensors;

/// <summary>
/// Storage for the tensors of one training step, reused step after step so steady-state training allocates no
/// large arrays (and triggers no gen-2 collections). While a scope from <see cref="Enter"/> is active on a logical
/// call flow (including the parallel loops it starts), every tensor buffer of at least
/// <see cref="MinimumLength"/> elements created by Noether's kernels comes from the arena. <see cref="Reset"/> hands
/// all buffers out again: call it only when no tensor created inside the scope is used any more (at the start of
/// the next step). Tensors meant to outlive a step must be copied out with <see cref="Tensor{T}.Clone"/>,
/// <see cref="Tensor{T}.ToArray"/> or <see cref="Tensor{T}.CopyFrom"/> into storage allocated outside the arena.
/// </summary>
public sealed class TensorArena
{
    private static readonly AsyncLocal<TensorArena?> s_current = new();
    private readonly object _gate = new();
    private readonly Dictionary<(Type Type, int Length), Bucket> _buckets = new();

    /// <summary>Creates an empty arena; buffers are allocated on first use and kept.</summary>
    /// <param name="minimumLength">Smaller buffers bypass the arena (they are cheap gen-0 allocations).</param>
    public TensorArena(int minimumLength = 1024)
    {
        if (minimumLength < 1) throw new ArgumentOutOfRangeException(nameof(minimumLength), $"TensorArena: minimum length must be positive, got {minimumLength}");
        MinimumLength = minimumLength;
    }

    /// <summary>Buffers shorter than this many elements are ordinary allocations.</summary>
    public int MinimumLength { get; }

    /// <summary>Bytes held by the arena (handed out or free).</summary>
    public long CapacityBytes { get; private set; }

    /// <summary>Buffers handed out since the last <see cref="Reset"/>.</summary>
    public int Rented { get; private set; }

    /// <summary>The arena active on this call flow, or null.</summary>
    public static TensorArena? Current => s_current.Value;

    /// <summary>Makes this arena the source of tensor storage until the returned scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = s_current.Value;
        s_current.Value = this;
        return new Scope(previous);
    }

    /// <summary>Marks every buffer free for reuse; tensors created inside earlier scopes must no longer be used.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            foreach (var b in _buckets.Values) b.Used = 0;
            Rented = 0;
        }
    }

    /// <summary>An array of exactly <paramref name="length"/> elements: from the active arena when there is one and the
    /// length reaches its minimum, otherwise newly allocated. <paramref name="clear"/> zeroes reused storage.</summary>
    internal static T[] Allocate<T>(int length, bool clear)
    {
        var arena = s_current.Value;
        if (arena is null || length < arena.MinimumLength)
            return clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
        var array = arena.Rent<T>(length);
        if (clear) Array.Clear(array);
        return array;
    }

    private T[] Rent<T>(int length)
    {
        lock (_gate)
        {
            var key = (typeof(T), length);
            if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Bucket();
            Rented++;
            if (bucket.Used < bucket.Items.Count) return (T[])bucket.Items[bucket.Used++];
            var array = GC.AllocateUninitializedArray<T>(length);
            bucket.Items.Add(array);
            bucket.Used++;
            CapacityBytes += (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            return array;
        }
    }

    private sealed class Bucket
    {
        public readonly List<Array> Items = new();
        public int Used;
    }

    /// <summary>Restores the previously active arena when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly TensorArena? _previous;
        internal Scope(TensorArena? previous) => _previous = previous;
        /// <summary>Leaves the scope.</summary>
        public void Dispose() => s_current.Value = _previous;
    }
}
