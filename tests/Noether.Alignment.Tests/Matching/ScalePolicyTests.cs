using Noether.Alignment.Matching;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Alignment.Tests.Matching;

/// <summary>
/// The contract of <see cref="ScalePolicy.MatchA"/> off the orbit: every matched unit of B gets the norm of A's
/// partner, counting all its incoming rows — for a BatchNorm output that is (γ, β), not β alone. Trained BatchNorm
/// biases are near zero; normalising on β alone blew the scales up (γ grew fourfold on a trained ResNet-20).
/// </summary>
public class ScalePolicyTests
{
    private static Model<double> Trainedlike(Graph graph, ulong seed)
    {
        var rng = new Rng(seed);
        return new Model<double>(graph, graph.Parameters.ToDictionary(p => p.Name, p =>
            p.Name.EndsWith("running_var") ? Tensor<double>.RandomUniform(rng, 0.5, 2.0, p.Shape)
            : p.Name.EndsWith("running_mean") ? Tensor<double>.RandomNormal(rng, 0.0, 0.2, p.Shape)
            : graph[p.NodeName].Op is BatchNormOp && p.Name.EndsWith("weight") ? Tensor<double>.RandomUniform(rng, 0.5, 1.5, p.Shape)
            : graph[p.NodeName].Op is BatchNormOp ? Tensor<double>.RandomNormal(rng, 0.0, 1e-3, p.Shape)
            : Tensor<double>.RandomNormal(rng, 0.0, 0.7, p.Shape)));
    }

    [Fact]
    public void EveryBatchNormUnitGetsThePartnersGainAndBiasNorm()
    {
        var graph = Builders.ResNet20([2, 8, 8], 3, width: 4, blocksPerStage: 1);
        var spec = SymmetryDeriver.Derive(graph);
        Model<double> a = Trainedlike(graph, 1), b = Trainedlike(graph, 2);
        var aligned = WeightMatching.Align(a, b, spec).Aligned;
        // Units in the residual stream share one scale across several BatchNorms; inner ones have their own.
        foreach (var node in graph.Nodes.Where(n => n.Op is BatchNormOp && n.Name.Contains("bn1") && n.Name.Contains("layer")))
        {
            var (ga, ba) = (a[$"{node.Name}.weight"].ToArray(), a[$"{node.Name}.bias"].ToArray());
            var (gb, bb) = (aligned[$"{node.Name}.weight"].ToArray(), aligned[$"{node.Name}.bias"].ToArray());
            for (int i = 0; i < ga.Length; i++)
            {
                double na = Math.Sqrt(ga[i] * ga[i] + ba[i] * ba[i]), nb = Math.Sqrt(gb[i] * gb[i] + bb[i] * bb[i]);
                Assert.True(Math.Abs(na - nb) <= 1e-9 * na, $"{node.Name} unit {i}: ‖(γ, β)‖ {nb:R} after alignment, A's {na:R}");
            }
        }
    }
}
