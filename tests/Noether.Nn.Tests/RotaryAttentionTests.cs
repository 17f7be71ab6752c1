using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>Rotary position embeddings in <see cref="AttentionOp"/>: against a loop-by-loop reference, and through JSON.</summary>
public class RotaryAttentionTests
{
    public static TheoryData<RotaryPairing, int> Cases => new() { { RotaryPairing.Half, 4 }, { RotaryPairing.Interleaved, 4 }, { RotaryPairing.Half, 2 }, { RotaryPairing.Interleaved, 2 } };

    [Theory, MemberData(nameof(Cases))]
    public void OutputMatchesAPerPairRotationWrittenOutByHand(RotaryPairing pairing, int dims)
    {
        var rope = new RotaryEmbedding(50, pairing, dims);
        var op = new AttentionOp(8, 2, 1, Causal: true, Bias: false, rope);
        var b = new GraphBuilder();
        var graph = b.Build(b.Add(op, "attn", b.Input("x", 5, 8)));
        var model = Model<double>.Initialize(graph, new Rng(3));
        var x = Tensor<double>.RandomNormal(new Rng(4), 2, 5, 8);
        var y = model.Predict(x)[0];
        var expected = Reference(x, model, rope, heads: 2, kvHeads: 1, dk: 4);
        Assert.True(y.MaxAbsDiff(expected) < 1e-12, $"max difference {y.MaxAbsDiff(expected):E3}");
        // Rotation matters: the same weights without it compute something else.
        var b2 = new GraphBuilder();
        var plain = new Model<double>(b2.Build(b2.Add(op with { Rotary = null }, "attn", b2.Input("x", 5, 8))), model.Parameters);
        Assert.True(plain.Predict(x)[0].MaxAbsDiff(y) > 1e-3);
    }

    [Fact]
    public void RotaryRoundTripsThroughJsonAndIsDescribed()
    {
        var op = new AttentionOp(16, 4, 2, true, false, new RotaryEmbedding(10000, RotaryPairing.Interleaved, 2));
        var b = new GraphBuilder();
        var graph = b.Build(b.Add(op, "attn", b.Input("x", 6, 16)));
        var json = GraphJson.Serialize(graph);
        Assert.Contains("\"Interleaved\"", json);
        var back = GraphJson.Deserialize(json);
        Assert.Equal(graph.Nodes, back.Nodes);
        Assert.Contains("rotary θ 10000, interleaved pairs, 2 dims", op.Describe());
        var b2 = new GraphBuilder();
        var noRotary = GraphJson.Deserialize(GraphJson.Serialize(b2.Build(b2.Add(op with { Rotary = null }, "a2", b2.Input("y", 6, 16)))));
        Assert.Null(((AttentionOp)noRotary.Nodes[0].Op).Rotary);
    }

    [Theory]
    [InlineData(3, RotaryPairing.Half)]
    [InlineData(6, RotaryPairing.Half)]
    [InlineData(0, RotaryPairing.Interleaved)]
    public void InvalidRotaryIsRefusedWithItsSizes(int dims, RotaryPairing pairing)
    {
        var b = new GraphBuilder();
        var e = Assert.ThrowsAny<ArgumentException>(() => b.Add(new AttentionOp(8, 2, 2, Rotary: new RotaryEmbedding(10000, pairing, dims)), "a", b.Input("x", 3, 8)));
        Assert.Contains($"{dims}", e.Message);
    }

    /// <summary>Attention with RoPE by plain loops: rotate each pair of q and k by p·θ^(−2i/dims), then causal softmax attention.</summary>
    private static Tensor<double> Reference(Tensor<double> x, Model<double> m, RotaryEmbedding rope, int heads, int kvHeads, int dk)
    {
        int n = x.Dim(0), s = x.Dim(1), d = x.Dim(2), group = heads / kvHeads;
        var (wq, wk, wv, wo) = (m["attn.q_proj.weight"], m["attn.k_proj.weight"], m["attn.v_proj.weight"], m["attn.o_proj.weight"]);
        var y = new Tensor<double>(n, s, d);
        double[] Project(Tensor<double> w, int b, int t, int row0)
        {
            var r = new double[dk];
            for (int i = 0; i < dk; i++) for (int j = 0; j < d; j++) r[i] += w[row0 + i, j] * x[b, t, j];
            return r;
        }
        double[] Rotate(double[] v, int p)
        {
            var r = (double[])v.Clone();
            for (int i = 0; i < rope.Dims / 2; i++)
            {
                var (a, c) = rope.Pairing == RotaryPairing.Half ? (i, i + rope.Dims / 2) : (2 * i, 2 * i + 1);
                double angle = p * Math.Pow(rope.Theta, -2.0 * i / rope.Dims);
                r[a] = v[a] * Math.Cos(angle) - v[c] * Math.Sin(angle);
                r[c] = v[c] * Math.Cos(angle) + v[a] * Math.Sin(angle);
            }
            return r;
        }
        for (int b = 0; b < n; b++)
        {
            var merged = new double[s, heads * dk];
            for (int h = 0; h < heads; h++)
            {
                int kv = h / group;
                for (int t = 0; t < s; t++)
                {
                    var q = Rotate(Project(wq, b, t, h * dk), t);
                    var scores = new double[t + 1];
                    for (int u = 0; u <= t; u++)
                    {
                        var k = Rotate(Project(wk, b, u, kv * dk), u);
                        scores[u] = q.Zip(k, (a, c) => a * c).Sum() / Math.Sqrt(dk);
                    }
                    double max = scores.Max(), z = scores.Sum(v => Math.Exp(v - max));
                    for (int u = 0; u <= t; u++)
                    {
                        var v = Project(wv, b, u, kv * dk);
                        for (int i = 0; i < dk; i++) merged[t, h * dk + i] += Math.Exp(scores[u] - max) / z * v[i];
                    }
                }
            }
            for (int t = 0; t < s; t++)
                for (int o = 0; o < d; o++)
                {
                    double sum = 0;
                    for (int i = 0; i < heads * dk; i++) sum += wo[o, i] * merged[t, i];
                    y[b, t, o] = sum;
                }
        }
        return y;
    }
}
