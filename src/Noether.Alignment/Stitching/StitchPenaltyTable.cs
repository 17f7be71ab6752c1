namespace Noether.Alignment.Stitching;

/// <summary>One cell of a penalty table: a layer, a stitching class, and the penalty's mean and spread over model pairs.</summary>
/// <param name="Layer">The cut.</param>
/// <param name="Class">The stitching class (CLI spelling).</param>
/// <param name="Count">Number of stitched pairs.</param>
/// <param name="Mean">Mean penalty (accuracy fraction).</param>
/// <param name="StandardDeviation">Sample standard deviation (n − 1); NaN for a single pair.</param>
public sealed record StitchPenaltyRow(string Layer, string Class, int Count, double Mean, double StandardDeviation);

/// <summary>Per-layer, per-class mean ± sd of stitching penalties over pairs of models.</summary>
public static class StitchPenaltyTable
{
    /// <summary>Groups penalties by (layer, class), layers and classes in order of first appearance.</summary>
    /// <exception cref="ArgumentException">No records, or a penalty that is not finite (named with its layer and class).</exception>
    public static IReadOnlyList<StitchPenaltyRow> Summarise(IEnumerable<(string Layer, string Class, double Penalty)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var all = records.ToArray();
        if (all.Length == 0) throw new ArgumentException("no stitching results to summarise");
        foreach (var r in all)
            if (!double.IsFinite(r.Penalty)) throw new ArgumentException($"stitching penalty of class {r.Class} at '{r.Layer}' is {r.Penalty}");
        var layers = all.Select(r => r.Layer).Distinct().ToArray();
        var classes = all.Select(r => r.Class).Distinct().ToArray();
        var rows = new List<StitchPenaltyRow>();
        foreach (var l in layers)
            foreach (var c in classes)
            {
                var v = all.Where(r => r.Layer == l && r.Class == c).Select(r => r.Penalty).ToArray();
                if (v.Length == 0) continue;
                double mean = v.Average();
                double sd = v.Length < 2 ? double.NaN : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
                rows.Add(new StitchPenaltyRow(l, c, v.Length, mean, sd));
            }
        return rows;
    }
}
