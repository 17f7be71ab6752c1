using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>The derived group is exactly right: its elements preserve the function, and one step outside any factor breaks it.</summary>
public class DerivationTests
{
    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var family in new[] { "mlp", "mlp-layernorm", "mlp-batchnorm", "cnn", "cnn-depthwise", "transformer", "transformer-rms-gqa" })
            foreach (var act in Models.ActivationNames) d.Add(family, act);
        d.Add("resnet20", "relu");
        return d;
    }

    [Theory, MemberData(nameof(Cases))]
    public void RandomElementsPreserveTheFunction(string family, string activation)
    {
        var graph = Models.Build(family, activation);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        var model = Models.Randomised(graph, 1);
        var x = Models.Input(graph, 2);
        var rng = new Rng(3);
        for (int trial = 0; trial < 3; trial++)
        {
            var moved = GroupAction.Apply(model, spec, spec.Random(rng));
            var cmp = FunctionComparison.Of(model, moved, x);
            Assert.True(cmp.Within(1e-10), $"{family}/{activation}: relative output change {cmp.MaxRelDiff:E2} under a group element\n{spec}");
            Assert.True(moved.Parameters.Any(p => p.Value.MaxAbsDiff(model[p.Key]) > 1e-6) || spec.Factors.Count == 0, "the element moved no parameter");
        }
        var single = GroupAction.Apply(model.Cast<float>(), spec, spec.Random(rng));
        var cmp32 = FunctionComparison.Of(model.Cast<float>(), single, x.Cast<float>());
        Assert.True(cmp32.Within(1e-4), $"{family}/{activation} float32: relative output change {cmp32.MaxRelDiff:E2}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void OneStepOutsideEachFactorChangesTheFunction(string family, string activation)
    {
        var graph = Models.Build(family, activation);
        var spec = SymmetryDeriver.Derive(graph);
        var model = Models.Randomised(graph, 4);
        var x = Models.Input(graph, 5, batch: 16);
        int checkedFactors = 0;
        for (int i = 0; i < spec.Factors.Count; i++)
        {
            var f = spec.Factors[i];
            Noether.Nn.Model<double> moved;
            string what;
            if (f.Group is ChannelGroup { Permutations: true } c && c.SegmentDiagonals.All(k => k == DiagonalKind.Nonzero) && f.Segments.Any(s => s.Parent is not null))
            {
                // Every independent diagonal is allowed: step out on a φ-dependent segment (|x| ≥ 0 cannot be negated).
                int dependent = f.Segments.First(s => s.Parent is not null).Index;
                var flip = Enumerable.Repeat(1.0, f.Channels).ToArray(); flip[0] = -1;
                moved = GroupAction.ApplyPerSegment(model, f, s => s == dependent ? MonomialElement.FromDiagonal(flip) : MonomialElement.Identity(f.Channels));
                what = $"a sign flip on dependent segment {dependent}";
            }
            else if (f.Group is ChannelGroup { Permutations: true } all && all.SegmentDiagonals.All(k => k == DiagonalKind.Nonzero))
            {
                // Every monomial is allowed: step out with a rotation of two channels on one segment's dense bindings.
                var r = Tensor<double>.Eye(f.Channels); r[0, 0] = r[1, 1] = Math.Cos(0.7); r[0, 1] = -Math.Sin(0.7); r[1, 0] = Math.Sin(0.7);
                var rotation = new MatrixElement(r);
                var work = model.Parameters.ToDictionary(p => p.Key, p => p.Value);
                foreach (var b in f.Bindings.Where(b => b.Segment == 0 && b.Rule is AxisRule.Covariant or AxisRule.Contravariant))
                    work[b.Parameter] = GroupAction.ApplyToAxis(work[b.Parameter], b, rotation, null);
                moved = model.WithParameters(work);
                what = "a rotation of two channels";
            }
            else
            {
                var outside = Outside(f);
                if (outside is null) continue; // GL factors are maximal among linear maps of their space
                Assert.False(f.Group.Contains(outside));
                var element = new ProductElement(spec.Factors.Select((g, j) => j == i ? outside : g.Group.Identity).ToArray());
                moved = GroupAction.Apply(model, spec, element, checkMembership: false);
                what = outside.ToString();
            }
            var cmp = FunctionComparison.Of(model, moved, x);
            Assert.True(cmp.MaxRelDiff > 1e-6, $"{family}/{activation}: {what} outside {f} left the function unchanged ({cmp.MaxRelDiff:E2}) — the derived group is too small");
            checkedFactors++;
        }
        Assert.True(checkedFactors > 0 || spec.Factors.All(f => f.Group is GeneralLinearGroup), "no factor was checked");
    }

    /// <summary>The smallest step out of a factor's group: a diagonal of the wrong kind, a swap, or a rotation.</summary>
    internal static GroupElement? Outside(SymmetryFactor f)
    {
        int n = f.Channels;
        double[] Ones() => Enumerable.Repeat(1.0, n).ToArray();
        // A large scale: bounded activations (ReLU6, clips) are linear near zero, so a scale of 2 can hide in their linear range.
        double Step(DiagonalKind k) => k switch { DiagonalKind.None => 25.0, DiagonalKind.Positive => -1.0, DiagonalKind.Sign => 2.5, _ => double.NaN };
        int[] Identity() => Enumerable.Range(0, n).ToArray();
        // Every other channel: one channel might be dead (a ReLU6 unit never active), all of them alike would be
        // invisible to a norm reading the space.
        static void Alternate(double[] s, double step) { for (int i = 0; i < s.Length; i += 2) s[i] = step; }
        int[] Swap() { var p = Identity(); (p[0], p[1]) = (p[1], p[0]); return p; }
        switch (f.Group)
        {
            case MonomialGroup { Permutations: false }:
                return new MonomialElement(Swap(), Ones());
            case MonomialGroup m when m.Diagonal != DiagonalKind.Nonzero:
                {
                    var s = Ones();
                    if (m.Diagonal == DiagonalKind.Positive) s = Enumerable.Repeat(-1.0, n).ToArray(); else Alternate(s, Step(m.Diagonal));
                    return MonomialElement.FromDiagonal(s);
                }
            case MonomialGroup:
                { // all diagonals and permutations: step out with a rotation of two channels
                    var r = Tensor<double>.Eye(n); r[0, 0] = r[1, 1] = Math.Cos(0.7); r[0, 1] = -Math.Sin(0.7); r[1, 0] = Math.Sin(0.7);
                    return new MatrixElement(r);
                }
            case ChannelGroup c when !c.Permutations:
                return new ChannelElement(Swap(), c.SegmentDiagonals.Select(_ => Ones()).ToArray());
            case ChannelGroup c:
                {
                    // Prefer a segment whose scale no norm gain compensates (a norm's input side is nearly scale-invariant).
                    var referenced = f.Bindings.Where(b => b.ReferenceSegment is not null).Select(b => b.ReferenceSegment!.Value).ToHashSet();
                    var independent = f.Segments.Where(s => s.Parent is null).Select(s => s.Index).ToList();
                    var candidates = Enumerable.Range(0, c.SegmentDiagonals.Count).Where(k => c.SegmentDiagonals[k] != DiagonalKind.Nonzero)
                        .OrderBy(k => referenced.Contains(independent[k]) ? 1 : 0).ToList();
                    if (candidates.Count == 0) return null;
                    int seg = candidates[0];
                    var scales = c.SegmentDiagonals.Select(_ => Ones()).ToArray();
                    // A sign flip of every unit of a positive segment (any live unit shows it); elsewhere one channel
                    // (a global rescale would be nearly invisible to a norm).
                    if (c.SegmentDiagonals[seg] == DiagonalKind.Positive) scales[seg] = Enumerable.Repeat(-1.0, n).ToArray();
                    else Alternate(scales[seg], Step(c.SegmentDiagonals[seg]));
                    return new ChannelElement(Identity(), scales);
                }
            default:
                return null;
        }
    }
}
