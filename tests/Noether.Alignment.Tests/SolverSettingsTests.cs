using FsCheck;
using FsCheck.Fluent;
using Noether.Alignment.Internal;

namespace Noether.Alignment.Tests;

/// <summary>The solver's internal setting (passes of augmenting row reduction) never changes the optimum.</summary>
public class SolverSettingsTests
{
    [Fact]
    public void AugmentingRowReductionKeepsTheOptimum()
    {
        var gen = from rows in Gen.Choose(1, 90)
                  from columns in Gen.OneOf(Gen.Constant(rows), Gen.Choose(1, 90))
                  from ties in Gen.Elements(0, 2, 6)
                  from passes in Gen.Choose(1, 3)
                  from seed in Gen.Choose(0, 1_000_000)
                  from max in Gen.Elements(false, true)
                  select (rows, columns, ties, passes, seed, max);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var c = t.ties == 0 ? Reference.Reals(t.rows, t.columns, t.seed) : Reference.Integers(t.rows, t.columns, t.ties, t.seed);
            var cert = LinearAssignment.SolveWithDuals<double>(c, t.rows, t.columns, t.max, t.passes, out _);
            Reference.AssertWellFormed(cert.Assignment, c, t.rows, t.columns);
            double expected = Reference.Hungarian(c, t.rows, t.columns, t.max);
            return Math.Abs(cert.Assignment.Cost - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected))
                   && Math.Abs(cert.DualObjective - expected) <= 1e-8 * Math.Max(1, Math.Abs(expected));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }
}
