using Noether.Nn;
using Noether.Tensors;

namespace Noether.Alignment.Provenance;

/// <summary>
/// Random token sequences for the activation test: uniform token ids, either one-hot [S, V] or as ids [S] for a graph
/// that starts with an embedding (its vocabulary bounds the ids).
/// </summary>
internal static class RandomTokens
{
    /// <summary>A batch [samples, S, V] both graphs can read (their single input must be one-hot tokens [S, V]).</summary>
    public static Tensor<float> For(Graph a, Graph b, int samples, ulong seed, string nameA, string nameB)
    {
        foreach (var (g, name) in new[] { (a, nameA), (b, nameB) })
        {
            if (g.Inputs.Count != 1 || g.Inputs[0].ElementType is not null || g.Inputs[0].Shape.Length is not (1 or 2))
                throw new ArgumentException($"{name}: the activation test feeds token ids [sequence] or one-hot tokens [sequence, vocabulary]; the model reads {string.Join(", ", g.Inputs)}");
        }
        var (sa, sb) = (a.Inputs[0].Shape, b.Inputs[0].Shape);
        if (!sa.SequenceEqual(sb))
            throw new ArgumentException($"{nameA} reads tokens {Shapes.Format(sa)} but {nameB} reads {Shapes.Format(sb)}: the models must share sequence length and vocabulary");
        var rng = new Rng(seed ^ 0x70_6B_65_6EUL);
        int s = sa[0];
        if (sa.Length == 1)
        {
            int vocab = Math.Min(Vocabulary(a, nameA), Vocabulary(b, nameB));
            var ids = new float[samples * s];
            for (int k = 0; k < ids.Length; k++) ids[k] = rng.NextInt(vocab);
            return Tensor<float>.FromArray(ids, samples, s);
        }
        int v = sa[1];
        var data = new float[samples * s * v];
        for (int k = 0; k < samples * s; k++) data[k * v + rng.NextInt(v)] = 1;
        return Tensor<float>.FromArray(data, samples, s, v);
    }

    private static int Vocabulary(Graph g, string name)
        => g.Nodes.Select(n => n.Op).OfType<Noether.Nn.Operations.EmbeddingOp>().FirstOrDefault()?.Vocab
           ?? throw new ArgumentException($"{name}: token ids [sequence] need an embedding to bound them; none found");
}
