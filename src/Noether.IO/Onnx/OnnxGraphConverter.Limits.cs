using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Limits at the edge of the importer: int64 attributes and constants narrowed to the IR's 32-bit sizes only when they
/// fit (a pad of 2³² + 3 is an error, never 3), and a memory budget for every tensor the file asks us to materialise
/// (<see cref="OnnxImportOptions.MaxTensorBytes"/>), checked before anything is allocated.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    /// <summary>An int64 value narrowed to int32, or a malformed-node error naming <paramref name="what"/> and the value.</summary>
    private int Int32(long value, string what)
        => value is >= int.MinValue and <= int.MaxValue ? (int)value : throw Malformed($"{what} {value} does not fit a 32-bit integer");

    /// <summary>int64 values narrowed to int32 (null stays null), or a malformed-node error naming the values.</summary>
    private int[]? Int32s(IEnumerable<long>? values, string what)
    {
        if (values is null) return null;
        var all = values.ToArray();
        foreach (var bad in all)
            if (bad is < int.MinValue or > int.MaxValue) throw Malformed($"{what} [{string.Join(", ", all.Take(16))}{(all.Length > 16 ? ", …" : "")}] holds {bad}, which does not fit a 32-bit integer");
        return all.Select(v => (int)v).ToArray();
    }

    /// <summary>Refuses a tensor of <paramref name="shape"/> (held as float64) over the per-tensor budget, before allocating it.</summary>
    private void CheckBudget(IEnumerable<long> shape, string what)
    {
        var dims = shape.ToArray();
        if (dims.Any(d => d < 0)) throw Malformed($"{what} has a negative size in [{string.Join(", ", dims)}]");
        if (Budget.Exceeds(dims, _options.MaxTensorBytes, out var bytes))
            throw Malformed($"{what} of shape [{string.Join(", ", dims)}] would take {bytes} as float64, over the per-tensor budget of {Budget.Format(_options.MaxTensorBytes)} (OnnxImportOptions.MaxTensorBytes)");
    }

    private void CheckBudget(IEnumerable<int> shape, string what) => CheckBudget(shape.Select(d => (long)d), what);
}

/// <summary>Byte counts of tensors in 64-bit arithmetic that cannot wrap around.</summary>
internal static class Budget
{
    /// <summary>True when a float64 tensor of <paramref name="dims"/> needs more than <paramref name="maxBytes"/>; <paramref name="size"/> describes its size.</summary>
    public static bool Exceeds(IReadOnlyList<long> dims, long maxBytes, out string size)
    {
        if (dims.Contains(0)) { size = "0 B"; return false; }
        double exact = dims.Aggregate(1.0, (p, d) => p * d) * sizeof(double);
        size = Format(exact);
        long limit = maxBytes / sizeof(double), count = 1;
        foreach (var d in dims)
        {
            if (count > limit / Math.Max(d, 1)) return true;
            count *= d;
        }
        return false;
    }

    /// <summary>Bytes in binary units (KiB, MiB, GiB, …).</summary>
    public static string Format(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return u == 0 ? $"{bytes:0} B" : bytes >= 1e6 ? $"{bytes:0.###e0} {units[u]}" : $"{bytes:0.#} {units[u]}";
    }
}
