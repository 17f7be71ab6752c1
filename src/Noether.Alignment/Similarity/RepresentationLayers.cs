using Noether.Nn;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;

namespace Noether.Alignment.Similarity;

/// <summary>A hidden value of a model compared as a representation, with the symmetry group derived for its space.</summary>
/// <param name="Value">Graph value (node) name.</param>
/// <param name="Shape">Per-sample shape.</param>
/// <param name="Channels">Channels its features fold to (the units).</param>
/// <param name="Group">The derived group of its space, or null when the deriver gave it none (then nothing is known).</param>
public sealed record RepresentationLayer(string Value, int[] Shape, int Channels, Group? Group)
{
    /// <summary>The default measure: the one matching <see cref="Group"/>, else linear CKA.</summary>
    public SimilarityMeasure DefaultMeasure => Group is null ? SimilarityMeasure.Cka : SimilarityMeasure.For(Group);
}

/// <summary>Finds and checks the hidden values of a model that similarity and stitching compare.</summary>
public static class RepresentationLayers
{
    /// <summary>
    /// One value per hidden space of the derived symmetry (per factor): the activation output when the space has one
    /// (what the next layer reads), else its last value whose channel axis holds the factor's channels.
    /// </summary>
    public static IReadOnlyList<RepresentationLayer> Of(Graph graph, WeightSpaceSpec? spec = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        spec ??= SymmetryDeriver.Derive(graph, null, cancel);
        var result = new List<RepresentationLayer>();
        foreach (var f in spec.Factors)
        {
            var values = f.Segments.SelectMany(s => s.Values)
                .Where(v => graph.Producer(v) is not null && ChannelsOf(graph.ShapeOf(v)) == f.Channels).ToArray();
            if (values.Length == 0) continue;
            var pick = values.LastOrDefault(v => graph.Producer(v)!.Op.Kind == "Activation") ?? values[^1];
            if (result.Any(r => r.Value == pick)) continue;
            var shape = graph.ShapeOf(pick).ToArray();
            result.Add(new RepresentationLayer(pick, shape, f.Channels, f.Group));
        }
        return result;
    }

    /// <summary>
    /// The named values of <paramref name="graph"/> as layers (their groups from the derived symmetry when a factor holds
    /// them). <paramref name="model"/> names the model in errors.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a value computed by the graph; the message lists the hidden layers.</exception>
    public static IReadOnlyList<RepresentationLayer> Resolve(Graph graph, IEnumerable<string> names, string model, WeightSpaceSpec? spec = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        spec ??= SymmetryDeriver.Derive(graph, null, cancel);
        var result = new List<RepresentationLayer>();
        foreach (var name in names)
        {
            if (graph.Producer(name) is null)
                throw new ArgumentException($"Unknown layer '{name}' in model {model} ('{graph.Name}'); its hidden layers are {string.Join(", ", Of(graph, spec).Select(l => l.Value))}");
            var shape = graph.ShapeOf(name).ToArray();
            var factor = spec.Factors.FirstOrDefault(f => f.Segments.Any(s => s.Values.Contains(name)) && f.Channels == ChannelsOf(shape));
            result.Add(new RepresentationLayer(name, shape, ChannelsOf(shape), factor?.Group));
        }
        return result;
    }

    /// <summary>Channels of a per-sample shape: the first axis of an image [C, H, W], else the last; 1 for a scalar.</summary>
    public static int ChannelsOf(ReadOnlySpan<int> perSample) => perSample.Length switch
    {
        0 => 1,
        3 => perSample[0],
        _ => perSample[^1],
    };
}
