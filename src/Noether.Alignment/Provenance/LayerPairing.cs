namespace Noether.Alignment.Provenance;

/// <summary>
/// Which MLP of B is compared with which MLP of A. Equal depths: layer k with layer k. Different depths (a copy with
/// layers removed): the shallower model's layers keep their order and each may shift by 0..Δ (Δ the difference in
/// depth) into the deeper one; the monotone alignment with the largest total ρ is chosen by dynamic programming, and
/// each chosen pair's p-value is multiplied by the Δ + 1 candidates it was picked from (Bonferroni), capped at 1.
/// </summary>
internal static class LayerPairing
{
    public static (List<LayerProvenance> Layers, List<string> Notes) Choose(int depthA, int depthB, Func<int, int, LayerProvenance> test, CancellationToken cancel)
    {
        var notes = new List<string>();
        if (depthA == depthB)
        {
            var same = new List<LayerProvenance>();
            for (int k = 0; k < depthA; k++) { cancel.ThrowIfCancellationRequested(); same.Add(test(k, k)); }
            return (same, notes);
        }
        bool aShort = depthA < depthB;
        int shortDepth = Math.Min(depthA, depthB), delta = Math.Abs(depthA - depthB);
        var candidates = new LayerProvenance[shortDepth, delta + 1];
        for (int k = 0; k < shortDepth; k++)
            for (int o = 0; o <= delta; o++)
            {
                cancel.ThrowIfCancellationRequested();
                candidates[k, o] = aShort ? test(k, k + o) : test(k + o, k);
            }
        // best[k, o]: the largest Σρ over layers 0..k with layer k shifted by o (shifts never decrease).
        var best = new double[shortDepth, delta + 1];
        var from = new int[shortDepth, delta + 1];
        for (int k = 0; k < shortDepth; k++)
            for (int o = 0; o <= delta; o++)
            {
                double prior = 0;
                int arg = 0;
                if (k > 0)
                {
                    prior = double.NegativeInfinity;
                    for (int q = 0; q <= o; q++) if (best[k - 1, q] > prior) { prior = best[k - 1, q]; arg = q; }
                }
                best[k, o] = prior + candidates[k, o].Rho;
                from[k, o] = arg;
            }
        int shift = 0;
        for (int o = 1; o <= delta; o++) if (best[shortDepth - 1, o] > best[shortDepth - 1, shift]) shift = o;
        var chosen = new LayerProvenance[shortDepth];
        for (int k = shortDepth - 1; k >= 0; k--)
        {
            var c = candidates[k, shift];
            chosen[k] = c with { PValue = Math.Min(1, c.RawPValue * (delta + 1)) };
            shift = from[k, shift];
        }
        notes.Add($"depths differ ({depthA} MLPs in A, {depthB} in B): each of the {shortDepth} layers of the shallower model was compared with {delta + 1} candidate layers in order; p-values × {delta + 1} (Bonferroni)");
        return (chosen.ToList(), notes);
    }
}
