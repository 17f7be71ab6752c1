using System.IO.MemoryMappedFiles;

namespace Noether.IO.Internal;

/// <summary>
/// A whole file mapped into memory, private and copy-on-write: the file is opened read-only and never modified,
/// while writes through a view only change this process's private copy of the touched pages.
/// </summary>
/// <remarks>
/// The opener calls <see cref="Close"/> when done. If no zero-copy view was handed out, that unmaps at once.
/// Otherwise views (which reference this object) may still be in use, so unmapping is left to the finalizer,
/// which runs only once the opener and every view are unreachable.
/// </remarks>
internal sealed unsafe class MappedRegion
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Lock _gate = new();
    private bool _shared, _closed;
    private int _unmapped;

    private MappedRegion(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, long length)
    {
        _file = file;
        _view = view;
        Pointer = pointer;
        Length = length;
    }

    ~MappedRegion() => Unmap();

    /// <summary>Start of the mapped file.</summary>
    public byte* Pointer { get; }

    /// <summary>Length of the file in bytes.</summary>
    public long Length { get; }

    /// <summary>Maps a non-empty file; the stream is owned by the region from then on.</summary>
    public static MappedRegion Map(FileStream stream)
    {
        long length = stream.Length;
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.CopyOnWrite, HandleInheritability.None, leaveOpen: false);
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.CopyOnWrite);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedRegion(file, view, pointer + view.PointerOffset, length);
        }
        catch
        {
            view?.Dispose();
            if (file is null) stream.Dispose(); else file.Dispose();
            throw;
        }
    }

    /// <summary>Records that a view into the mapping is about to be handed out; fails once closed.</summary>
    public void Share()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _shared = true;
        }
    }

    /// <summary>The opener is done: unmap now unless views were handed out.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            if (_shared) return;
        }
        Unmap();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Drops the whole pages inside [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>)
    /// from this process's resident set after a read copied them out (Linux, and only while no view was handed out:
    /// a view may hold private changes there). The pages stay in the page cache; a later read maps them again. Without
    /// this, streaming a checkpoint many times larger than memory through one mapping leaves every page read so far
    /// counted in the process's memory.
    /// </summary>
    public void Release(long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        lock (_gate)
        {
            if (_shared || _closed) return;
            long page = Environment.SystemPageSize;
            long first = (long)Pointer + offset, last = first + length;
            long start = (first + page - 1) / page * page, end = last / page * page;
            if (end > start) _ = Madvise((nint)start, (nuint)(end - start), MadvDontNeed);
        }
    }

    private const int MadvDontNeed = 4;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);

    private void Unmap()
    {
        if (Interlocked.Exchange(ref _unmapped, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
