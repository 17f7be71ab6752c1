using Noether.Metanetworks.Augmentation;
using Noether.Metanetworks.Graphs;
using Noether.Metanetworks.Layers;
using Noether.Metanetworks.WeightSpace;
using Noether.Nn;
using Noether.Symmetry.Derivation;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Zoo;

/// <summary>A trainable map from models of a zoo (by index) to one number each.</summary>
internal interface IWeightRegressor
{
    ParameterStore<double> Store { get; }

    /// <summary>[b, 1] predictions for the models at <paramref name="indices"/>; <paramref name="training"/> enables augmentation.</summary>
    Variable<double> Predict(int[] indices, bool training, Rng rng);
}

internal static class Rows
{
    /// <summary>The rows <paramref name="indices"/> of a contiguous tensor [K, …].</summary>
    public static Tensor<double> Take(Tensor<double> t, int[] indices)
    {
        var shape = t.ShapeArray();
        int inner = t.Length / shape[0];
        var src = t.Contiguous().Span; var dst = new double[indices.Length * inner];
        for (int i = 0; i < indices.Length; i++) src.Slice(indices[i] * inner, inner).CopyTo(dst.AsSpan(i * inner, inner));
        shape[0] = indices.Length;
        return new Tensor<double>(dst, shape);
    }
}

/// <summary>NFN (HNP or NP layout) with an invariant head.</summary>
internal sealed class NfnRegressor : IWeightRegressor
{
    private readonly Tensor<double>[] _inputs;
    private readonly NfnNetwork<double> _net;

    public NfnRegressor(IReadOnlyList<Model<double>> models, WeightSpaceSpec spec, PermutationVariant variant, int channels, double scale, Rng rng)
    {
        var layout = WeightSpaceLayout.Create(models[0].Graph, spec, variant);
        _inputs = layout.Encode<double, double>(models).Select(t => t * (1 / scale)).ToArray();
        _net = new NfnNetwork<double>(layout, channels, layers: 2, outputs: 1, rng, headHidden: 64);
    }

    public ParameterStore<double> Store => _net.Store;

    public Variable<double> Predict(int[] indices, bool training, Rng rng)
        => _net.Forward(_inputs.Select(t => Variable<double>.Constant(Rows.Take(t, indices))).ToArray());
}

/// <summary>GMN on the models' parameter graphs.</summary>
internal sealed class GmnRegressor : IWeightRegressor
{
    private readonly GmnNetwork<double> _net;
    private readonly double[][] _values;
    private readonly double _scale;

    public GmnRegressor(IReadOnlyList<Model<double>> models, int hidden, double scale, Rng rng)
    {
        var graphs = models.Select(ParameterGraphBuilder.Build).ToArray();
        var structure = new GmnStructure(graphs[0]);
        for (int i = 1; i < graphs.Length; i++)
            if (!structure.Matches(graphs[i])) throw new ArgumentException($"Zoo model {i} has another parameter graph than model 0 (one architecture per zoo)");
        _values = graphs.Select(g => g.EdgeValues.Select(v => v / scale).ToArray()).ToArray();
        _scale = scale;
        _net = new GmnNetwork<double>(structure, hidden, layers: 2, outputs: 1, rng);
    }

    public ParameterStore<double> Store => _net.Store;

    public Variable<double> Predict(int[] indices, bool training, Rng rng)
    {
        var (x, e) = _net.Structure.Encode<double>(indices.Select(i => (IReadOnlyList<double>)_values[i]).ToArray());
        return _net.Forward(Variable<double>.Constant(x), Variable<double>.Constant(e));
    }
}

/// <summary>A flat MLP on the concatenated weights; with augmentation every training batch is a random derived-group transform of its models.</summary>
internal sealed class FlatMlpRegressor : IWeightRegressor
{
    private readonly IReadOnlyList<Model<double>> _models;
    private readonly WeightSpaceSpec _spec;
    private readonly bool _augment;
    private readonly double _scale;
    private readonly Tensor<double> _flat;
    private readonly Dense<double> _mlp;
    private readonly string[] _names;

    public FlatMlpRegressor(IReadOnlyList<Model<double>> models, WeightSpaceSpec spec, bool augment, double scale, Rng rng)
    {
        _models = models; _spec = spec; _augment = augment; _scale = scale;
        _names = models[0].Graph.Parameters.Where(p => p.Trainable).Select(p => p.Name).ToArray();
        var rows = models.Select(Flatten).ToArray();
        _flat = new Tensor<double>(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        Store = new ParameterStore<double>();
        _mlp = new Dense<double>(Store, "mlp", rng, rows[0].Length, 64, 64, 1);
    }

    private double[] Flatten(Model<double> m) => _names.SelectMany(n => m[n].ToArray()).Select(v => v / _scale).ToArray();

    public ParameterStore<double> Store { get; }

    public Variable<double> Predict(int[] indices, bool training, Rng rng)
    {
        Tensor<double> x;
        if (training && _augment)
        {
            var rows = indices.Select(i => Flatten(SymmetryAugmentation.Augment(_models[i], _spec, rng))).ToArray();
            x = new Tensor<double>(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        }
        else x = Rows.Take(_flat, indices);
        return _mlp.Forward(Variable<double>.Constant(x));
    }
}
