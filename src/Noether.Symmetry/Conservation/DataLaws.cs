using Noether.Nn;
using Noether.Nn.Data;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Conservation;

/// <summary>
/// Laws from symmetries of the data rather than the network (seed 001; SPEC §2 "Data symmetries"). If every training
/// input has x_p = c, the first layer's gradient along input p is c times its bias gradient, so W₁[:, p] − c·b₁ is
/// conserved under GD (W₁[:, p] itself when c = 0, under any optimiser without weight decay: its gradient is exactly
/// zero). Recent theory (arXiv 2606.10913) shows that data symmetries generically add no further conserved quantity for
/// analytic non-polynomial losses; MSE can be an exception.
/// </summary>
public static class DataLaws
{
    /// <summary>
    /// The constant-input laws of <paramref name="graph"/> on <paramref name="data"/>: inputs constant over every sample,
    /// read directly (or after a Flatten) by a Linear layer. Returns null, with the reason in <paramref name="why"/>, when
    /// no such law exists.
    /// </summary>
    public static LinearFamily? ConstantInputs(Graph graph, Dataset data, out string why)
    {
        var input = graph.Inputs[0].Name;
        var reader = graph.Consumers(input).ToList();
        if (reader.Count == 1 && reader[0].Op is FlattenOp) reader = graph.Consumers(reader[0].Name).ToList();
        if (reader.Count == 1 && reader[0].Op is LinearOp { Frozen: not null })
        {
            why = $"the input's reader '{reader[0].Name}' is W-asymmetric (frozen entries get no gradient): no constant-input law";
            return null;
        }
        if (reader.Count != 1 || reader[0].Op is not LinearOp lin)
        {
            why = $"the input '{input}' is not read by a single Linear layer: no constant-input law";
            return null;
        }
        // Without a bias, only zero constants give a law (the gradient along p is c·Σδ, which nothing absorbs).
        var constants = ConstantCoordinates(data).Where(t => t.Value == 0 || lin.Bias).ToList();
        if (constants.Count == 0)
        {
            why = $"no input coordinate of {data.Name} is constant over all {data.Count} samples";
            return null;
        }
        string w = $"{reader[0].Name}.weight", b = $"{reader[0].Name}.bias";
        var names = new List<string>();
        var quantities = new List<LinearEntry[]>();
        foreach (var (p, c) in constants)
            for (int r = 0; r < lin.Out; r++)
            {
                var entry = new LinearEntry(w, r * lin.In + p, 1);
                bool withBias = c != 0 && lin.Bias;
                names.Add(withBias ? $"{w}[{r},{p}] − {c:G4}·{b}[{r}]" : $"{w}[{r},{p}]");
                quantities.Add(withBias ? [entry, new LinearEntry(b, r, -c)] : [entry]);
            }
        why = $"{constants.Count} input coordinates are constant over {data.Name}";
        return new LinearFamily($"data:{reader[0].Name}", LawKind.ConstantInput, names, quantities)
        {
            Origin = $"inputs {string.Join(", ", constants.Take(12).Select(t => t.Index))}{(constants.Count > 12 ? ", …" : "")} are constant over the data set",
        };
    }

    /// <summary>Coordinates (flat, per sample) whose value is the same in every sample, with that value.</summary>
    public static IReadOnlyList<(int Index, double Value)> ConstantCoordinates(Dataset data)
    {
        if (data.Count == 0) return [];
        var all = Enumerable.Range(0, data.Count).ToArray();
        var (x, _) = data.Batch<double>(all);
        var span = x.Contiguous().Span;
        int n = span.Length / data.Count;
        var result = new List<(int, double)>();
        for (int p = 0; p < n; p++)
        {
            double v = span[p];
            bool constant = true;
            for (int i = 1; i < data.Count && constant; i++) constant = span[i * n + p] == v;
            if (constant) result.Add((p, v));
        }
        return result;
    }
}
