using System.Numerics;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Symmetry.Transforms;

/// <summary>
/// Folds every RMSNorm gain γ into the layers that read the norm: W ← W·diag(γ) for each Linear and each attention
/// Q/K/V projection, and the norm loses its gain. The function is unchanged, and the residual stream of a pre-norm
/// transformer then admits the whole orthogonal group O(d) instead of signed permutations.
/// </summary>
public static class NormFolding
{
    /// <summary>The model with RMSNorm gains folded; throws naming the node when a reader cannot absorb the gain.</summary>
    public static Model<T> FoldRmsNormGains<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = model.Graph;
        var parameters = model.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        var nodes = new List<Node>();
        foreach (var node in g.Nodes)
        {
            if (node.Op is not RmsNormOp { Affine: true } rms) { nodes.Add(node); continue; }
            var gamma = parameters[$"{node.Name}.weight"];
            Absorb(g, node.Name, node.Name, gamma, parameters);
            if (g.Outputs.Contains(node.Name)) throw new NotSupportedException($"Cannot fold the gain of RMS norm '{node.Name}': it is a graph output");
            parameters.Remove($"{node.Name}.weight");
            nodes.Add(node with { Op = rms with { Affine = false } });
        }
        var graph = new Graph(g.Inputs, nodes, g.Outputs, g.Name);
        return new Model<T>(graph, parameters);
    }

    /// <summary>Scales the input columns of every Linear/attention layer reached from <paramref name="value"/> through ops
    /// that act on each channel alike and linearly (mean over tokens, dropout).</summary>
    private static void Absorb<T>(Graph g, string norm, string value, Tensor<T> gamma, Dictionary<string, Tensor<T>> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Outputs.Contains(value)) throw new NotSupportedException($"Cannot fold the gain of RMS norm '{norm}': '{value}' is a graph output");
        foreach (var reader in g.Consumers(value))
        {
            switch (reader.Op)
            {
                case LinearOp { Frozen: not null }:
                    throw new NotSupportedException($"Cannot fold the gain of RMS norm '{norm}': its reader '{reader.Name}' is W-asymmetric (its frozen entries cannot absorb a scale)");
                case LinearOp:
                    parameters[$"{reader.Name}.weight"] = parameters[$"{reader.Name}.weight"] * gamma; // column j × γ_j
                    break;
                case AttentionOp:
                    foreach (var p in new[] { "q_proj", "k_proj", "v_proj" })
                        parameters[$"{reader.Name}.{p}.weight"] = parameters[$"{reader.Name}.{p}.weight"] * gamma;
                    break;
                case ReduceMeanOp r when r.Axis != g.ShapeOf(value).Length - 1:
                case DropoutOp:
                    Absorb(g, norm, reader.Name, gamma, parameters);
                    break;
                default:
                    throw new NotSupportedException($"Cannot fold the gain of RMS norm '{norm}': its reader '{reader.Name}' ({reader.Op.Kind}) is not a Linear or attention layer");
            }
        }
    }
}
