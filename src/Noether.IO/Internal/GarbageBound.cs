namespace Noether.IO.Internal;

/// <summary>
/// Keeps the garbage of a streaming pass bounded: once more than <see cref="Bytes"/> were allocated since the last
/// collection, collects. A pass that decodes one large weight after another (each decoded, converted, dropped)
/// otherwise lets the garbage collector's budget grow the process by several weights before it runs.
/// </summary>
internal static class GarbageBound
{
    /// <summary>Allocation between forced collections.</summary>
    public const long Bytes = 48L << 20;

    private static long s_mark;

    /// <summary>Collects if more than <see cref="Bytes"/> were allocated since the last call that collected.</summary>
    public static void Check()
    {
        long now = GC.GetTotalAllocatedBytes(precise: false);
        if (now - Interlocked.Read(ref s_mark) < Bytes) return;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        Interlocked.Exchange(ref s_mark, GC.GetTotalAllocatedBytes(precise: false));
    }
}
