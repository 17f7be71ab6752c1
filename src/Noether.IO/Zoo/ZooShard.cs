using System.Globalization;

namespace Noether.IO.Zoo;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: the contiguous model indices ⌊i·N/K⌋ … ⌊(i+1)·N/K⌋ − 1 of a
/// zoo of N models, so the K shards are disjoint and together hold every model once.
/// </summary>
public readonly record struct ZooShard(int Index, int Count)
{
    /// <summary>The whole zoo in one shard.</summary>
    public static ZooShard Whole => new(0, 1);

    /// <summary>Parses <c>i/K</c> (0 ≤ i &lt; K).</summary>
    /// <exception cref="FormatException">Not of that form or out of range.</exception>
    public static ZooShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= 1 && i < k)
            return new ZooShard(i, k);
        throw new FormatException($"shard '{text}' is not i/K with 0 <= i < K (e.g. 0/4)");
    }

    /// <summary>First model index of the shard in a zoo of <paramref name="models"/>.</summary>
    public int First(int models) => (int)((long)Index * models / Count);

    /// <summary>One past the shard's last model index.</summary>
    public int End(int models) => (int)((long)(Index + 1) * models / Count);

    /// <summary>File-name stem, e.g. <c>shard-00002-of-00004</c>.</summary>
    public string Stem => $"shard-{Index:D5}-of-{Count:D5}";

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
