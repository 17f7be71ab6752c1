using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Layers;

/// <summary>
/// Layer normalisation of rows [M, D]: (x − mean) / √(var + 10⁻⁵) · γ + β, composed from differentiable primitives.
/// Keeps node and edge states at unit scale through sum aggregation (which otherwise grows with the degree per layer).
/// </summary>
public sealed class LayerNorm(ParameterStore store, string name, int width)
{
    private readonly V _gain = InitGain(store, name, width);
    private readonly V _bias = store.Create(name + ".bias", 0, width);

    private static V InitGain(ParameterStore store, string name, int width)
    {
        var g = store.Create(name + ".gain", 0, width);
        g.Value.Span.Fill(1);
        return g;
    }

    /// <summary>Normalises every row.</summary>
    public V Forward(V x)
    {
        if (x.Value.Rank != 2 || x.Value.Dim(1) != width)
            throw new ShapeMismatchException("LayerNorm", $"expects rows of width {width}", x.Value.ShapeArray());
        var centred = x - Ops.Mean(x, 1, keepDims: true);
        var scale = Ops.Sqrt(Ops.Mean(Ops.Square(centred), 1, keepDims: true) + 1e-5);
        return centred / scale * _gain + _bias;
    }
}
