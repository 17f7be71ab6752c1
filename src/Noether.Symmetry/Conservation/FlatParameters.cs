using Noether.Nn;
using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>The trainable parameters of a model as one vector θ ∈ R^D (graph order), and back.</summary>
internal sealed class FlatParameters
{
    private readonly Model<double> _model;
    private readonly (string Name, int[] Shape, int Offset)[] _layout;

    public FlatParameters(Model<double> model, IReadOnlySet<string>? frozen = null)
    {
        _model = model;
        int offset = 0;
        _layout = model.Graph.Parameters.Where(p => p.Trainable && frozen?.Contains(p.Name) != true)
            .Select(p => { var e = (p.Name, p.Shape, offset); offset += Shapes.Size(p.Shape); return e; }).ToArray();
        Dimension = offset;
    }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <summary>θ of the model this was built from.</summary>
    public double[] Values() => Flatten(_model.Parameters);

    /// <summary>A dictionary (gradients, say) flattened in the same order; missing entries are zero.</summary>
    public double[] Flatten(IReadOnlyDictionary<string, Tensor<double>> tensors)
    {
        var v = new double[Dimension];
        foreach (var (name, _, offset) in _layout)
            if (tensors.TryGetValue(name, out var t)) t.Contiguous().Span.CopyTo(v.AsSpan(offset));
        return v;
    }

    /// <summary>The parameters of θ as tensors.</summary>
    public Dictionary<string, Tensor<double>> Unflatten(double[] theta) =>
        _layout.ToDictionary(e => e.Name, e => Tensor<double>.FromArray(theta.AsSpan(e.Offset, Shapes.Size(e.Shape)).ToArray(), e.Shape));

    /// <summary>The model at θ.</summary>
    public Model<double> At(double[] theta) => _model.WithParameters(Unflatten(theta));
}
