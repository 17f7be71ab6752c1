using Noether.Graphs.Layers;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Encodings;

/// <summary>
/// The sign-equivariant layer of Lim et al. (2023): f(v) = (w ⊙ v) ⊙ sigmoid(MLP(|v|)) + v on rows v ∈ ℝᵏ (one row
/// per node, one column per eigenvector). For any S = diag(±1), |Sv| = |v|, so f(Sv) = S f(v).
/// </summary>
public sealed class SignEquivariantLayer(ParameterStore store, string name, int k, int hidden)
{
    private readonly V _w = store.Create(name + ".w", 1.0, k);
    private readonly Mlp _mlp = new(store, name + ".mlp", k, hidden, k);

    /// <summary>f(v) for v [N, k].</summary>
    public V Forward(V v)
    {
        if (v.Value.Rank != 2 || v.Value.Dim(1) != _w.Value.Dim(0))
            throw new Noether.Tensors.ShapeMismatchException("SignEquivariantLayer", $"expects rows of width {_w.Value.Dim(0)}", v.Value.ShapeArray());
        return v * _w * Ops.Sigmoid(_mlp.Forward(Ops.Abs(v))) + v;
    }
}
