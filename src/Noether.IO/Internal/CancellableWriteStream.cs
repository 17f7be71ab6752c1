namespace Noether.IO.Internal;

/// <summary>A write-only view of a stream that throws <see cref="OperationCanceledException"/> on any write once a token is cancelled.</summary>
internal sealed class CancellableWriteStream(Stream inner, CancellationToken cancel) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { cancel.ThrowIfCancellationRequested(); inner.Flush(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => inner.SetLength(value);

    public override void Write(byte[] buffer, int offset, int count)
    {
        cancel.ThrowIfCancellationRequested();
        inner.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        cancel.ThrowIfCancellationRequested();
        inner.Write(buffer);
    }

    public override void WriteByte(byte value)
    {
        cancel.ThrowIfCancellationRequested();
        inner.WriteByte(value);
    }
}
