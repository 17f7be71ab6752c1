using System.Numerics;
using Noether.Tensors;

namespace Noether.Nn.Training;

/// <summary>
/// A fixed layout that flattens a model's trainable parameters into one vector θ and back. Order: the graph's
/// parameter declaration order (<see cref="Graph.Parameters"/>), each tensor's elements in row-major order, one
/// after another without gaps. Buffers (non-trainable parameters such as BatchNorm running statistics) receive no
/// gradient and are never part of θ. Immutable; one layout serves every model of the same graph.
/// </summary>
public sealed class ParameterVector
{
    private readonly Dictionary<string, ParameterSegment> _byName;

    private ParameterVector(IReadOnlyList<ParameterSegment> segments)
    {
        Segments = segments;
        _byName = segments.ToDictionary(s => s.Name);
        Length = segments.Count == 0 ? 0 : segments[^1].Offset + segments[^1].Length;
    }

    /// <summary>The layout of <paramref name="graph"/>'s trainable parameters whose name passes <paramref name="include"/> (all when null).</summary>
    /// <exception cref="ArgumentException">No trainable parameter is selected.</exception>
    public static ParameterVector For(Graph graph, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var segments = new List<ParameterSegment>();
        int offset = 0;
        foreach (var p in graph.Parameters)
        {
            if (!p.Trainable || (include is not null && !include(p.Name))) continue;
            var segment = new ParameterSegment(p.Name, offset, p.Shape);
            checked { offset += segment.Length; }
            segments.Add(segment);
        }
        if (segments.Count == 0) throw new ArgumentException($"Graph '{graph.Name}': the filter selects no trainable parameter");
        return new ParameterVector(segments);
    }

    /// <summary>The layout of <paramref name="model"/>'s trainable parameters whose name passes <paramref name="include"/> (all when null).</summary>
    public static ParameterVector For<T>(Model<T> model, Func<string, bool>? include = null) where T : unmanaged, IFloatingPointIeee754<T>
        => For(model.Graph, include);

    /// <summary>The parameters in vector order.</summary>
    public IReadOnlyList<ParameterSegment> Segments { get; }

    /// <summary>Total number of scalars P.</summary>
    public int Length { get; }

    /// <summary>True when <paramref name="name"/> is part of the vector.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The segment of a parameter.</summary>
    public ParameterSegment this[string name] =>
        _byName.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"parameter '{name}' is not part of this vector ({Segments.Count} parameters)");

    /// <summary>θ: the selected parameters of <paramref name="model"/> as a new vector.</summary>
    public double[] Gather<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var theta = new double[Length];
        Gather(model.Parameters, theta, missingAsZero: false);
        return theta;
    }

    /// <summary>
    /// Flattens tensors keyed by parameter name (e.g. gradients) into <paramref name="destination"/>; a name missing
    /// from <paramref name="tensors"/> gives zeros when <paramref name="missingAsZero"/>, otherwise an error.
    /// </summary>
    public void Gather<T>(IReadOnlyDictionary<string, Tensor<T>> tensors, Span<double> destination, bool missingAsZero)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLength(destination.Length);
        foreach (var s in Segments)
        {
            var dst = destination.Slice(s.Offset, s.Length);
            if (!tensors.TryGetValue(s.Name, out var t) || t is null)
            {
                if (!missingAsZero) throw new KeyNotFoundException($"no tensor for parameter '{s.Name}'");
                dst.Clear();
                continue;
            }
            CheckShape(s, t);
            var src = t.Contiguous().Span;
            for (int i = 0; i < dst.Length; i++) dst[i] = double.CreateTruncating(src[i]);
        }
    }

    /// <summary>Writes θ into <paramref name="model"/>'s parameter tensors in place (other parameters untouched).</summary>
    public void Scatter<T>(ReadOnlySpan<double> theta, Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLength(theta.Length);
        foreach (var s in Segments)
        {
            var t = model[s.Name];
            CheckShape(s, t);
            var dst = t.Span; // model parameters are contiguous
            var src = theta.Slice(s.Offset, s.Length);
            for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(src[i]);
        }
    }

    private void CheckLength(int length)
    {
        if (length != Length) throw new ArgumentException($"a parameter vector of this layout has {Length} elements, got {length}");
    }

    private static void CheckShape<T>(ParameterSegment s, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Shapes.Equal(t.Shape, s.Shape))
            throw new ShapeMismatchException("ParameterVector", $"parameter '{s.Name}' has the wrong shape", t.ShapeArray(), s.Shape);
    }
}
