using System.Buffers;

namespace Noether.IO.Internal;

/// <summary>
/// Exposes a range of a <see cref="MappedRegion"/> as <see cref="Memory{T}"/> without copying. The manager
/// references the region, so the mapping stays alive for as long as any tensor built on this memory is reachable.
/// </summary>
internal sealed unsafe class MappedMemoryManager<T> : MemoryManager<T> where T : unmanaged
{
    private readonly MappedRegion _region;
    private readonly T* _pointer;
    private readonly int _length;

    /// <summary>Views <paramref name="length"/> elements starting at byte <paramref name="byteOffset"/> of the region.</summary>
    public MappedMemoryManager(MappedRegion region, long byteOffset, int length)
    {
        if (byteOffset < 0 || length < 0 || byteOffset + (long)length * sizeof(T) > region.Length)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"[{byteOffset}, +{length} × {sizeof(T)}) is outside the {region.Length}-byte mapping");
        region.Share();
        _region = region;
        _pointer = (T*)(region.Pointer + byteOffset);
        _length = length;
    }

    /// <inheritdoc />
    public override Span<T> GetSpan() => new(_pointer, _length);

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)_length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    /// <inheritdoc />
    public override void Unpin() { }

    /// <summary>Does nothing: the mapping is owned by the region, which outlives every manager referencing it.</summary>
    protected override void Dispose(bool disposing) { }
}
