using Noether.Metanetworks.Graphs;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Metanetworks.Tests;

public class ParameterGraphTests
{
    /// <summary>SPEC §3: Linear(2,3,no bias) → ReLU → LayerNorm(3) → Linear(3,1).</summary>
    internal static Graph ReferenceMlp()
    {
        var b = new GraphBuilder("reference_mlp");
        var x = b.Input("input", 2);
        x = b.Linear(x, 3, "fc1", bias: false);
        x = b.Activation(x, Activation.Relu, "relu");
        x = b.LayerNorm(x, "norm");
        return b.Build(b.Linear(x, 1, "fc2"));
    }

    /// <summary>SPEC §3: Conv1d(1,3,k=2,no bias) → ReLU → BatchNorm(3) → pool → Linear(3,2); Conv1d as a 1×2 Conv2d.</summary>
    internal static Graph ReferenceCnn()
    {
        var b = new GraphBuilder("reference_cnn");
        var x = b.Input("input", 1, 1, 6);
        x = b.Add(new Conv2dOp(1, 3, 1, 2, Conv2dOptions.Default, Bias: false), "conv", x);
        x = b.Activation(x, Activation.Relu, "relu");
        x = b.BatchNorm(x, "bn");
        x = b.GlobalAvgPool(x, "pool");
        return b.Build(b.Linear(x, 2, "fc"));
    }

    private static Model<double> Init(Graph g, ulong seed = 1) => Model<double>.Initialize(g, new Rng(seed));

    [Fact]
    public void Reference_mlp_has_9_nodes_and_16_edges()
    {
        var pg = ParameterGraphBuilder.Build(Init(ReferenceMlp()));
        Assert.Equal(9, pg.NodeCount);
        Assert.Equal(16, pg.EdgeCount);
        Assert.Equal(new Dictionary<NodeKind, int> { [NodeKind.Input] = 2, [NodeKind.Hidden] = 3, [NodeKind.Output] = 1, [NodeKind.Bias] = 1, [NodeKind.NormGain] = 1, [NodeKind.NormShift] = 1 },
            pg.NodeCountsByKind);
        Assert.Equal(new Dictionary<EdgeKind, int> { [EdgeKind.Linear] = 9, [EdgeKind.Bias] = 1, [EdgeKind.NormGain] = 3, [EdgeKind.NormShift] = 3 }, pg.EdgeCountsByKind);
    }

    [Fact]
    public void Reference_cnn_has_9_nodes_and_20_edges_with_kernel_positions()
    {
        var model = Init(ReferenceCnn());
        var pg = ParameterGraphBuilder.Build(model);
        Assert.Equal(9, pg.NodeCount);
        Assert.Equal(20, pg.EdgeCount);
        Assert.Equal(6, pg.EdgeCountsByKind[EdgeKind.Conv]);
        // Kernel entry (o, 0, 0, k) is the edge from the input channel to output channel o with position (0, k).
        var w = model["conv.weight"];
        for (int e = 0; e < pg.EdgeCount; e++)
        {
            if (pg.EdgeKinds[e] != EdgeKind.Conv) continue;
            int o = pg.NodePositions[pg.EdgeTargets[e]];
            Assert.Equal(0, pg.EdgeKernelH[e]);
            Assert.Equal(w[o, 0, 0, pg.EdgeKernelW[e]], pg.EdgeValues[e]);
        }
        Assert.Equal(["bn.running_mean", "bn.running_var"], pg.Buffers.Keys.Order());
    }

    public static TheoryData<string> Architectures => new() { "reference_mlp", "reference_cnn", "mlp", "cnn", "resnet20", "transformer", "lora_mlp" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Graph_to_weights_is_the_identity(string name)
    {
        var graph = name switch
        {
            "reference_mlp" => ReferenceMlp(),
            "reference_cnn" => ReferenceCnn(),
            "lora_mlp" => Builders.LoraMlp(8, [6], 3, rank: 2),
            _ => ModelCatalog.Create(name, [1, 8, 8], 10, width: name == "mlp" ? 16 : null).Graph,
        };
        var model = Init(graph, 7);
        // Non-trivial buffers, so that keeping them is checked too.
        foreach (var p in graph.Parameters.Where(p => !p.Trainable)) model[p.Name].CopyFrom(Tensor<double>.RandomUniform(new Rng(3), 0.5, 1.5, p.Shape));
        var pg = ParameterGraphBuilder.Build(model);
        int residual = pg.EdgeKinds.Count(k => k == EdgeKind.Residual);
        Assert.Equal(graph.TrainableParameterCount + residual, pg.EdgeCount);
        Assert.All(Enumerable.Range(0, pg.EdgeCount).Where(e => pg.EdgeKinds[e] == EdgeKind.Residual), e => Assert.Equal(1.0, pg.EdgeValues[e]));
        var back = pg.ToModel<double>(graph);
        foreach (var (n, t) in model.Parameters) Assert.Equal(t.ToArray(), back[n].ToArray());
        // Changed edge values land in their own entries and nowhere else.
        var doubled = pg.WithEdgeValues(pg.EdgeValues.Select((v, e) => pg.EdgeKinds[e] == EdgeKind.Residual ? v : 2 * v).ToArray()).ToModel<double>(graph);
        foreach (var p in graph.Parameters)
            Assert.Equal(model[p.Name].ToArray().Select(v => p.Trainable ? 2 * v : v), doubled[p.Name].ToArray());
    }

    [Fact]
    public void Resnet_residuals_are_weight_one_edges_between_equal_channel_counts()
    {
        var graph = Builders.ResNet20([3, 8, 8], 10, width: 4, blocksPerStage: 1);
        var pg = ParameterGraphBuilder.Build(Init(graph));
        // One Add per block (3 blocks), each joining 4, 8 and 16 channels.
        Assert.Equal(4 + 8 + 16, pg.EdgeCountsByKind[EdgeKind.Residual]);
        Assert.Equal(3, pg.NodeCountsByKind[NodeKind.Input]);
        Assert.Equal(10, pg.NodeCountsByKind[NodeKind.Output]);
    }

    [Fact]
    public void Transformer_queries_keys_and_values_share_middle_nodes()
    {
        var graph = Builders.Transformer(4, 5, 3, model: 8, heads: 2, kvHeads: 2, layers: 1);
        var pg = ParameterGraphBuilder.Build(Init(graph));
        Assert.Equal(8, pg.NodeCountsByKind[NodeKind.AttentionMiddle]);
        var middleTargets = Enumerable.Range(0, pg.EdgeCount).Where(e => pg.EdgeKinds[e] is EdgeKind.Query or EdgeKind.Key or EdgeKind.Value)
            .GroupBy(e => pg.EdgeKinds[e]).ToDictionary(g => g.Key, g => g.Select(e => pg.EdgeTargets[e]).ToHashSet());
        Assert.True(middleTargets[EdgeKind.Query].SetEquals(middleTargets[EdgeKind.Key]));
        Assert.True(middleTargets[EdgeKind.Query].SetEquals(middleTargets[EdgeKind.Value]));
        // Positional embedding [4, 8]: one edge per entry with the position as kernel row.
        Assert.Equal(32, pg.EdgeCountsByKind[EdgeKind.PositionBias]);
        var grouped = ParameterGraphBuilder.Build(Init(Builders.Transformer(4, 5, 3, model: 8, heads: 4, kvHeads: 2, layers: 1)));
        Assert.Equal(8 + 4, grouped.NodeCountsByKind[NodeKind.AttentionMiddle]);
    }

    [Fact]
    public void Unknown_parameterised_op_is_refused_naming_the_node()
    {
        var b = new GraphBuilder("emb");
        var x = b.Input("input", 4);
        x = b.Add(new BroadcastParameterOp([4]), "gate", x);
        var graph = b.Build(b.Add(new AddOp(), "sum", x, x));
        var e = Assert.Throws<NotSupportedException>(() => ParameterGraphBuilder.Build(Init(graph)));
        Assert.Contains("'gate'", e.Message);
    }
}
