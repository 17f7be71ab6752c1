using System.Numerics;
using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>Drift of one family over a monitored run.</summary>
/// <param name="Family">Family name.</param>
/// <param name="Kind">The symmetry it comes from.</param>
/// <param name="Count">Number of quantities.</param>
/// <param name="MaxAbsDrift">max over quantities and records of |Q_t − Q_0|.</param>
/// <param name="MaxRelDrift">The same relative to the quantity's scale (sum of its terms' absolute values at t = 0).</param>
/// <param name="InitialLoss">Loss at the first record.</param>
/// <param name="FinalLoss">Loss at the last record.</param>
/// <param name="Exact">False when the symmetry is approximate (a normalisation with ε &gt; 0).</param>
public sealed record FamilyDrift(string Family, LawKind Kind, int Count, double MaxAbsDrift, double MaxRelDrift, double InitialLoss, double FinalLoss, bool Exact);

/// <summary>
/// Records every conserved quantity at each step of a run (an optimiser, the gradient flow) and reports drift per family;
/// with <see cref="ClosedFormError"/> it also compares the record with the exact SGD closed forms.
/// </summary>
public sealed class ConservationMonitor(ConservedQuantities quantities)
{
    private readonly List<double[][]> _values = new();
    private readonly List<double[][]> _stepForms = new();
    private readonly List<double> _times = new(), _losses = new(), _lrs = new();
    private double[][]? _scale;
    private Dictionary<string, Tensor<double>>? _previous;

    /// <summary>The monitored quantities.</summary>
    public ConservedQuantities Quantities { get; } = quantities;

    /// <summary>Number of records.</summary>
    public int Records => _values.Count;

    /// <summary>Time (step or flow time) of each record.</summary>
    public IReadOnlyList<double> Times => _times;

    /// <summary>Loss at each record.</summary>
    public IReadOnlyList<double> Losses => _losses;

    /// <summary>
    /// Records the quantities at <paramref name="parameters"/>. <paramref name="lr"/> is the step size that produced this
    /// point from the previous record (used by <see cref="ClosedFormError"/>; 0 for the first record).
    /// </summary>
    public void Observe<T>(IReadOnlyDictionary<string, Tensor<T>> parameters, double time, double loss, double lr = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var used = Quantities.Families.SelectMany(f => f.Parameters).Distinct();
        var current = used.Where(parameters.ContainsKey).ToDictionary(n => n, n => typeof(T) == typeof(double) ? ((Tensor<double>)(object)parameters[n]).Clone() : parameters[n].Cast<double>());
        var values = Quantities.Evaluate(current);
        foreach (var (f, v) in Quantities.Families.Zip(values))
            for (int i = 0; i < v.Length; i++)
                if (!double.IsFinite(v[i])) throw NotFinite(current, f.QuantityName(i), v[i], time);
        _scale ??= Quantities.Families.Select(f => f.Scale(current)).ToArray();
        if (_previous is not null)
        {
            var step = current.ToDictionary(kv => kv.Key, kv => kv.Value - _previous[kv.Key]);
            _stepForms.Add(Quantities.Families.Select(f => f.Degree == LawDegree.Quadratic ? f.Evaluate(step) : new double[f.Count]).ToArray());
            _lrs.Add(lr);
        }
        _previous = current;
        _values.Add(values);
        _times.Add(time);
        _losses.Add(loss);
    }

    /// <summary>The record of quantity <paramref name="index"/> of family <paramref name="family"/>.</summary>
    public double[] Trajectory(int family, int index) => _values.Select(v => v[family][index]).ToArray();

    /// <summary>Per record, the largest relative drift |Q_t − Q_0| / scale over the family's quantities.</summary>
    public double[] RelativeDriftSeries(int family) => _values.Select(v => MaxRel(family, v[family])).ToArray();

    /// <summary>Drift per family since the first record.</summary>
    public IReadOnlyList<FamilyDrift> Drifts()
    {
        if (Records == 0) throw new InvalidOperationException("ConservationMonitor: nothing recorded");
        return Quantities.Families.Select((f, k) =>
        {
            double maxAbs = 0, maxRel = 0;
            foreach (var v in _values)
            {
                for (int i = 0; i < f.Count; i++) maxAbs = Math.Max(maxAbs, Math.Abs(v[k][i] - _values[0][k][i]));
                maxRel = Math.Max(maxRel, MaxRel(k, v[k]));
            }
            return new FamilyDrift(f.Name, f.Kind, f.Count, maxAbs, maxRel, _losses[0], _losses[^1], f.Exact);
        }).ToArray();
    }

    /// <summary>
    /// Per family, the largest deviation (relative to scale) between the recorded quantities and the exact SGD closed
    /// form (<see cref="ClosedForms.Sgd"/>) predicted from the first record and the recorded steps.
    /// </summary>
    public double[] ClosedFormError(double momentum, double weightDecay)
    {
        var lrs = _lrs.ToArray();
        return Quantities.Families.Select((f, k) =>
        {
            double worst = 0;
            for (int i = 0; i < f.Count; i++)
            {
                var predicted = ClosedForms.Sgd(f.Degree, _values[0][k][i], _stepForms.Select(s => s[k][i]).ToArray(), lrs, momentum, weightDecay);
                for (int t = 0; t < predicted.Length; t++)
                    worst = Math.Max(worst, Math.Abs(predicted[t] - _values[t][k][i]) / Denominator(k, i));
            }
            return worst;
        }).ToArray();
    }

    private static InvalidOperationException NotFinite(Dictionary<string, Tensor<double>> parameters, string quantity, double value, double time)
    {
        foreach (var (name, t) in parameters)
        {
            var a = t.ToArray();
            int bad = Array.FindIndex(a, v => !double.IsFinite(v));
            if (bad >= 0)
                return new InvalidOperationException($"Training diverged at step {time:G}: parameter '{name}' {Shapes.Format(t.ShapeArray())} holds {a[bad]} at flat index {bad} (conserved quantity {quantity} is {value})");
        }
        var (largest, size) = parameters.Select(kv => (kv.Key, kv.Value.Abs().Max())).MaxBy(t => t.Item2);
        return new InvalidOperationException($"Training diverged at step {time:G}: conserved quantity {quantity} overflows to {value}; parameter '{largest}' {Shapes.Format(parameters[largest].ShapeArray())} reaches |θ| = {size:E2}");
    }

    private double MaxRel(int family, double[] v)
    {
        double m = 0;
        for (int i = 0; i < v.Length; i++) m = Math.Max(m, Math.Abs(v[i] - _values[0][family][i]) / Denominator(family, i));
        return m;
    }

    private double Denominator(int family, int i) => _scale![family][i] > 0 ? _scale[family][i] : 1;
}
