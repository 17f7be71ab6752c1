using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Layers;

/// <summary>An affine layer y = x·Wᵀ + b on rows [M, In] → [M, Out], He-initialised.</summary>
public sealed class Dense
{
    /// <summary>Creates W [Out, In] (He-initialised, or zeros when <paramref name="zero"/>) and b [Out] in <paramref name="store"/>.</summary>
    public Dense(ParameterStore store, string name, int inFeatures, int outFeatures, bool zero = false)
    {
        if (inFeatures < 1 || outFeatures < 1) throw new ArgumentException($"{name}: needs positive sizes, got {inFeatures} → {outFeatures}");
        In = inFeatures; Out = outFeatures;
        Weight = store.Create(name + ".weight", zero ? 0 : Math.Sqrt(2.0 / inFeatures), outFeatures, inFeatures);
        Bias = store.Create(name + ".bias", 0, outFeatures);
    }

    /// <summary>Input width.</summary>
    public int In { get; }

    /// <summary>Output width.</summary>
    public int Out { get; }

    /// <summary>W [Out, In].</summary>
    public V Weight { get; }

    /// <summary>b [Out].</summary>
    public V Bias { get; }

    /// <summary>x·Wᵀ + b, optionally followed by ReLU.</summary>
    public V Forward(V x, bool relu = false)
    {
        if (x.Value.Rank != 2 || x.Value.Dim(1) != In)
            throw new Noether.Tensors.ShapeMismatchException("Dense", $"expects rows of width {In}", x.Value.ShapeArray());
        return Ops.Linear(x, Weight, Bias, relu ? FusedActivation.Relu : FusedActivation.None);
    }
}

/// <summary>A multilayer perceptron: Dense layers with ReLU between them (none after the last).</summary>
public sealed class Mlp
{
    private readonly Dense[] _layers;

    /// <summary>Creates layers of widths sizes[0] → sizes[1] → … → sizes[^1].</summary>
    public Mlp(ParameterStore store, string name, params int[] sizes) : this(store, name, false, sizes) { }

    /// <summary>As above; <paramref name="zeroLast"/> starts the last weight at zero (a head that first predicts its bias).</summary>
    public Mlp(ParameterStore store, string name, bool zeroLast, params int[] sizes)
    {
        if (sizes.Length < 2) throw new ArgumentException($"{name}: an MLP needs at least two widths");
        _layers = new Dense[sizes.Length - 1];
        for (int i = 0; i < _layers.Length; i++) _layers[i] = new Dense(store, $"{name}.{i}", sizes[i], sizes[i + 1], zeroLast && i == _layers.Length - 1);
    }

    /// <summary>Input width.</summary>
    public int In => _layers[0].In;

    /// <summary>Output width.</summary>
    public int Out => _layers[^1].Out;

    /// <summary>Applies the layers; <paramref name="reluLast"/> adds a ReLU after the last one too.</summary>
    public V Forward(V x, bool reluLast = false)
    {
        for (int i = 0; i < _layers.Length; i++) x = _layers[i].Forward(x, relu: i < _layers.Length - 1 || reluLast);
        return x;
    }
}
