using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Conservation;

/// <summary>
/// Laws from invariances of the loss and of normalisations rather than of hidden spaces: softmax translation of the
/// logits, scale invariance (‖w‖²) and mean-centring translation invariance (sums of w) of the weights feeding a norm.
/// </summary>
internal static class NormLaws
{
    /// <summary>Cross-entropy is unchanged by z ↦ z + c·1: the column sums of the classifier (and its bias sum) are conserved.</summary>
    public static IEnumerable<LawFamily> SoftmaxTranslation(Graph graph, List<string> notes)
    {
        var output = graph.Outputs[0];
        var node = graph.Producer(output);
        if (node?.Op is not LinearOp lin)
        {
            notes.Add($"softmax translation: the logits '{output}' do not come from a Linear layer ({node?.Op.Kind ?? "graph input"}): no linear law derived");
            yield break;
        }
        string w = $"{node.Name}.weight", b = $"{node.Name}.bias";
        var names = new List<string>();
        var quantities = new List<LinearEntry[]>();
        for (int j = 0; j < lin.In; j++)
        {
            names.Add($"Σ_c {w}[c,{j}]");
            quantities.Add(Enumerable.Range(0, lin.Out).Select(c => new LinearEntry(w, c * lin.In + j, 1)).ToArray());
        }
        if (lin.Bias)
        {
            names.Add($"Σ_c {b}[c]");
            quantities.Add(Enumerable.Range(0, lin.Out).Select(c => new LinearEntry(b, c, 1)).ToArray());
        }
        yield return new LinearFamily($"softmax:{node.Name}", LawKind.SoftmaxTranslation, names, quantities)
        { Origin = "cross-entropy is invariant to adding the same constant to every logit" };
    }

    /// <summary>Laws of the Linear or convolution layers that feed only a normalisation.</summary>
    public static IEnumerable<LawFamily> Normalisations(Graph graph, bool trainingModeBatchNorm, List<string> notes)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not (BatchNormOp or LayerNormOp or RmsNormOp)) continue;
            if (node.Op is BatchNormOp && !trainingModeBatchNorm) continue;
            var input = node.Inputs[0];
            var producer = graph.Producer(input);
            if (producer is null || graph.Consumers(input).Count != 1) continue;
            var (outChannels, bias) = producer.Op switch
            {
                LinearOp l => (l.Out, l.Bias),
                Conv2dOp c => (c.Out, c.Bias),
                _ => (0, false),
            };
            if (outChannels == 0) continue;
            if (node.Op is LayerNormOp or RmsNormOp && producer.Op is not LinearOp) continue; // normalises a non-channel axis
            foreach (var f in ForNorm(node, producer, outChannels, bias, notes)) yield return f;
        }
    }

    private static IEnumerable<LawFamily> ForNorm(Node norm, Node producerNode, int channels, bool bias, List<string> notes)
    {
        string producer = producerNode.Name;
        string w = $"{producer}.weight", b = $"{producer}.bias";
        var terms = new List<RowTerm> { new(w, 0, 0, 1, 1) };
        if (bias) terms.Add(new RowTerm(b, 0, 0, 1, 1));
        double eps = norm.Op switch { BatchNormOp bn => bn.Eps, LayerNormOp ln => ln.Eps, RmsNormOp rn => rn.Eps, _ => 0 };
        bool perChannel = norm.Op is BatchNormOp;
        if (eps != 0)
            notes.Add($"norm:{norm.Name}: ε = {eps:G3} makes {norm.Op.Kind} only approximately scale invariant, so ‖w‖² of {producer} drifts slightly even under gradient flow (exact for ε = 0)");
        yield return new QuadraticFamily($"norm:{norm.Name}", LawKind.NormScale, channels, perChannel ? QuadraticShape.Diagonal : QuadraticShape.Trace, terms)
        {
            Exact = eps == 0,
            Origin = perChannel ? $"{norm.Op.Kind} (batch statistics) is invariant to scaling each channel of {producer}"
                : $"{norm.Op.Kind} is invariant to scaling its whole input, i.e. all of {producer}",
        };
        if (norm.Op is RmsNormOp) yield break;
        int rows = channels;
        if (perChannel)
        {
            if (!bias) yield break;
            // Subtracting the batch mean per channel: the bias before BatchNorm has zero gradient.
            yield return new LinearFamily($"shift:{norm.Name}", LawKind.NormTranslation,
                Enumerable.Range(0, rows).Select(c => $"{b}[{c}]").ToArray(),
                Enumerable.Range(0, rows).Select(c => new[] { new LinearEntry(b, c, 1) }).ToArray())
            { Origin = $"{norm.Op.Kind} subtracts each channel's batch mean, so {b} has no effect" };
            yield break;
        }
        // LayerNorm subtracts the mean over features: W ↦ W + 1·vᵀ and b ↦ b + c·1 change nothing.
        int inFeatures = ((LinearOp)producerNode.Op).In;
        var names = Enumerable.Range(0, inFeatures).Select(j => $"Σ_c {w}[c,{j}]").ToList();
        var quantities = Enumerable.Range(0, inFeatures).Select(j => Enumerable.Range(0, rows).Select(c => new LinearEntry(w, c * inFeatures + j, 1)).ToArray()).ToList();
        if (bias)
        {
            names.Add($"Σ_c {b}[c]");
            quantities.Add(Enumerable.Range(0, rows).Select(c => new LinearEntry(b, c, 1)).ToArray());
        }
        yield return new LinearFamily($"shift:{norm.Name}", LawKind.NormTranslation, names, quantities)
        { Origin = $"{norm.Op.Kind} subtracts the mean over features, so shifting every output of {producer} alike changes nothing" };
    }
}
