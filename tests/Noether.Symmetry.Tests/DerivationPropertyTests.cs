using FsCheck;
using FsCheck.Fluent;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>Derivation, action and canonical form over randomly drawn MLP architectures.</summary>
public class DerivationPropertyTests
{
    [Fact]
    public void RandomArchitecturesKeepTheirFunctionAndCanonicalForm()
    {
        var gen = from inputs in Gen.Choose(2, 6)
                  from depth in Gen.Choose(1, 3)
                  from widths in Gen.ArrayOf(Gen.Choose(2, 7), depth)
                  from act in Gen.Elements(Models.ActivationNames.Where(a => a != "identity").ToArray())
                  from norm in Gen.Elements("none", "layernorm", "batchnorm")
                  from seed in Gen.Choose(0, 100000)
                  select (inputs, widths, act, norm, seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var graph = Builders.Mlp(t.inputs, t.widths, 3, Activation.Parse(t.act), t.norm);
            var spec = SymmetryDeriver.Derive(graph);
            if (spec.Notes.Count > 0 || spec.Factors.Count != t.widths.Length) return false;
            var model = Models.Randomised(graph, (ulong)t.seed);
            var x = Tensor<double>.RandomNormal(new Rng((ulong)t.seed + 1), 8, t.inputs);
            var rng = new Rng((ulong)t.seed + 2);
            var moved = GroupAction.Apply(model, spec, spec.Random(rng));
            if (!FunctionComparison.Of(model, moved, x).Within(1e-9)) return false;
            var (a, _) = Canonicalizer.Canonicalize(model, spec);
            var (b, _) = Canonicalizer.Canonicalize(moved, spec);
            return a.Parameters.All(p => p.Value.MaxAbsDiff(b[p.Key]) < 1e-7 * Math.Max(1, p.Value.Abs().Max()));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }
}
