using Noether.IO.Internal;
using Noether.IO.Torch;
using Noether.Tensors;

namespace Noether.IO.Torch;

/// <summary>Copies a strided view out of its storage into C order, after checking that every element lies inside.</summary>
internal static class TorchViews
{
    /// <summary>Largest tensor materialised (elements).</summary>
    public const long MaxElements = 1L << 31;

    public static TorchTensor Materialise(string path, string name, TorchTensorView view, byte[] storage, bool bigEndian)
    {
        var s = view.Storage;
        int size = s.Kind.Size();
        string Where() => $"tensor '{PickleMachine.Printable(name)}' (size {Format(view.Size)}, stride {Format(view.Stride)}, offset {view.Offset})";
        if (view.Size.Any(d => d < 0 || d > int.MaxValue)) throw new TorchFormatException(path, $"{Where()}: a dimension is negative or too large");
        if (view.Stride.Any(d => d < 0)) throw new TorchFormatException(path, $"{Where()}: negative strides are not valid");
        if (view.Offset < 0) throw new TorchFormatException(path, $"{Where()}: negative storage offset");
        long count = 1, last = view.Offset;
        try
        {
            foreach (var d in view.Size) count = checked(count * d);
            if (count > 0)
                for (int k = 0; k < view.Size.Length; k++) last = checked(last + (view.Size[k] - 1) * view.Stride[k]);
        }
        catch (OverflowException) { throw new TorchFormatException(path, $"{Where()}: its extent overflows 64 bits"); }
        if (count > MaxElements) throw new TorchFormatException(path, $"{Where()}: {count} elements is more than the {MaxElements} allowed");
        if (count > 0 && last >= s.Numel)
            throw new TorchFormatException(path, $"{Where()}: reaches element {last} of storage '{PickleMachine.Printable(s.Key)}', which has {s.Numel} {s.TypeName} elements");
        if (count == 0 && view.Offset > s.Numel)
            throw new TorchFormatException(path, $"{Where()}: offset beyond storage '{PickleMachine.Printable(s.Key)}' of {s.Numel} elements");
        var shape = view.Size.Select(d => (int)d).ToArray();
        var bytes = new byte[count * size];
        if (count > 0) Copy(storage, view, size, bytes);
        return new TorchTensor(name, s.TypeName, s.Kind, shape, bytes, bigEndian);
    }

    /// <summary>Gathers the view; a run of the innermost axis with stride 1 is copied as one block.</summary>
    private static void Copy(byte[] storage, TorchTensorView view, int size, byte[] dst)
    {
        int rank = view.Size.Length;
        if (rank == 0) { storage.AsSpan(checked((int)(view.Offset * size)), size).CopyTo(dst); return; }
        long inner = view.Size[^1], innerStride = view.Stride[^1];
        var index = new long[rank - 1];
        long outer = dst.Length / size / inner;
        int o = 0;
        for (long r = 0; r < outer; r++)
        {
            long start = view.Offset;
            for (int k = 0; k < rank - 1; k++) start += index[k] * view.Stride[k];
            if (innerStride == 1)
            {
                int n = checked((int)(inner * size));
                storage.AsSpan(checked((int)(start * size)), n).CopyTo(dst.AsSpan(o, n));
                o += n;
            }
            else
                for (long i = 0; i < inner; i++, o += size)
                    storage.AsSpan(checked((int)((start + i * innerStride) * size)), size).CopyTo(dst.AsSpan(o, size));
            for (int k = rank - 2; k >= 0; k--)
            {
                if (++index[k] < view.Size[k]) break;
                index[k] = 0;
            }
        }
    }

    private static string Format(long[] v) => $"[{string.Join(", ", v)}]";
}
