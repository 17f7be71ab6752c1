using Noether.Nn.Architectures;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Tests;

public class ParameterVectorTests
{
    [Fact]
    public void Layout_follows_graph_order_and_leaves_out_batchnorm_buffers()
    {
        var model = Model<double>.Initialize(Builders.Mlp(3, [4], 2, norm: "batchnorm"), new Rng(1));
        var layout = ParameterVector.For(model);
        var trainable = model.Graph.Parameters.Where(p => p.Trainable).Select(p => p.Name).ToArray();
        Assert.Equal(trainable, layout.Segments.Select(s => s.Name));
        Assert.DoesNotContain(layout.Segments, s => s.Name.Contains("running"));
        Assert.Contains(model.Graph.Parameters, p => p.Name.Contains("running_mean"));
        Assert.Equal(model.Graph.TrainableParameterCount, layout.Length);
        int offset = 0;
        foreach (var s in layout.Segments) { Assert.Equal(offset, s.Offset); offset += s.Length; }
    }

    [Fact]
    public void Gather_is_row_major_per_tensor_and_scatter_inverts_it()
    {
        var model = Model<double>.Initialize(Builders.Mlp(3, [4], 2), new Rng(2));
        var layout = ParameterVector.For(model);
        var theta = layout.Gather(model);
        var w = layout["layers.0.weight"];
        Assert.Equal(model["layers.0.weight"][1, 2], theta[w.Offset + 1 * 3 + 2]);

        var other = Model<double>.Initialize(model.Graph, new Rng(99));
        Assert.NotEqual(theta, layout.Gather(other));
        layout.Scatter(theta, other);
        Assert.Equal(theta, layout.Gather(other));
        foreach (var (name, t) in model.Parameters) Assert.Equal(0.0, t.MaxAbsDiff(other[name]));
    }

    [Fact]
    public void A_name_filter_selects_a_subset_and_scatter_leaves_the_rest_alone()
    {
        var model = Model<double>.Initialize(Builders.Mlp(3, [4], 2), new Rng(3));
        var weights = ParameterVector.For(model, name => name.EndsWith(".weight"));
        Assert.Equal(["layers.0.weight", "layers.2.weight"], weights.Segments.Select(s => s.Name));
        Assert.Equal(4 * 3 + 2 * 4, weights.Length);
        var bias = model["layers.0.bias"].ToArray();
        weights.Scatter(new double[weights.Length], model);
        Assert.Equal(0.0, model["layers.2.weight"].Max());
        Assert.Equal(bias, model["layers.0.bias"].ToArray());
        Assert.Throws<ArgumentException>(() => weights.Scatter(new double[3], model));
        Assert.Throws<ArgumentException>(() => ParameterVector.For(model, _ => false));
        Assert.Throws<KeyNotFoundException>(() => weights["layers.0.bias"]);
    }
}
