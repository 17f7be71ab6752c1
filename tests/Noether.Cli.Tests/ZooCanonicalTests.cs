using Noether.IO;
using Noether.IO.Tests.OnnxZoo;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>Canonical forms on the zoo's imported models: canon(g·θ) = canon(θ) and canon(canon(θ)) = canon(θ).</summary>
public class ZooCanonicalTests
{
    public static TheoryData<string> Names() => new(ZooManifest.Models.Select(m => m.Name));

    /// <summary>
    /// Models whose canonical form is not orbit-invariant yet, and why; the list can only shrink. The GL(n) factor of a
    /// linear bottleneck is put in echelon form on its leading block, whose columns other factors permute and scale.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NotInvariantYet = new Dictionary<string, string>
    {
        ["mobilenetv2"] = "GL(n) on the 1×1 linear bottlenecks: the leading block depends on the expanded units' order and scale",
        ["paddleocr_rec"] = "GL(n) factors whose leading block other factors move (4e-3 relative)",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void CanonicalFormIsOrbitInvariantAndIdempotent(string name)
    {
        var model = OnnxImporter.Load<double>(ZooManifest.PathOf(ZooManifest.Get(name).File));
        var spec = SymmetryDeriver.Derive(model.Graph);
        var moved = GroupAction.Apply(model, spec, spec.Random(new Rng(7)));
        var (a, _) = Canonicalizer.Canonicalize(model, spec);
        var (b, _) = Canonicalizer.Canonicalize(moved, spec);
        var (c, _) = Canonicalizer.Canonicalize(a, spec);
        var worst = a.Parameters.Select(p => (p.Key, Orbit: Relative(p.Value, b[p.Key]), Idempotent: Relative(p.Value, c[p.Key])))
            .OrderByDescending(w => Math.Max(w.Orbit, w.Idempotent)).FirstOrDefault(); // none: no parameters at all
        bool invariant = worst.Key is null || worst.Orbit <= 1e-5 && worst.Idempotent <= 1e-5;
        if (NotInvariantYet.ContainsKey(name))
            Assert.False(invariant, $"{name} is now orbit-invariant and idempotent: remove it from ZooCanonicalTests.NotInvariantYet");
        else
            Assert.True(invariant, $"{name}: at '{worst.Key}' canon(g·θ) differs by {worst.Orbit:E2}, canon(canon(θ)) by {worst.Idempotent:E2} relative");
    }

    /// <summary>max|a − b| / max|a| over finite entries; non-finite entries (a −∞ mask) must be identical.</summary>
    private static double Relative(Tensor<double> a, Tensor<double> b)
    {
        var (x, y) = (a.ToArray(), b.ToArray());
        double diff = 0, scale = 1e-12;
        for (int i = 0; i < x.Length; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i])) { if (!x[i].Equals(y[i])) return double.PositiveInfinity; continue; }
            diff = Math.Max(diff, Math.Abs(x[i] - y[i]));
            scale = Math.Max(scale, Math.Abs(x[i]));
        }
        return diff / scale;
    }
}
