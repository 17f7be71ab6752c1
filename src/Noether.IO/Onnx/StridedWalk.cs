namespace Noether.IO;

/// <summary>
/// Enumerates <c>start + Σ index[a]·strides[a]</c> over every index of <c>shape</c> in row-major order, a chunk at a
/// time (no array of the whole enumeration).
/// </summary>
internal sealed class StridedWalk
{
    private readonly int[] _shape, _strides, _index;
    private long _at, _left;

    public StridedWalk(int[] shape, int[] strides, long start)
    {
        _shape = shape;
        _strides = strides;
        _index = new int[shape.Length];
        _at = start;
        _left = 1;
        foreach (int d in shape) _left *= d;
    }

    /// <summary>Fills <paramref name="destination"/> with the next values; returns how many (0 at the end).</summary>
    public int Fill(Span<int> destination)
    {
        int n = (int)Math.Min(destination.Length, _left);
        int rank = _shape.Length;
        for (int i = 0; i < n; i++)
        {
            destination[i] = (int)_at;
            for (int a = rank - 1; a >= 0; a--)
            {
                if (++_index[a] < _shape[a]) { _at += _strides[a]; break; }
                _at -= (long)_strides[a] * (_shape[a] - 1);
                _index[a] = 0;
            }
        }
        _left -= n;
        return n;
    }
}
