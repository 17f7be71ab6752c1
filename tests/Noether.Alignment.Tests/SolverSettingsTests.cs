using FsCheck;
using FsCheck.Fluent;
using Noether.Alignment.Internal;

namespace Noether.Alignment.Tests;

/// <summary>The solver's internal settings (augmenting row reduction, thread budget) never change the optimum.</summary>
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
            var cert = LinearAssignment.SolveWithDuals<double>(c, t.rows, t.columns, t.max, 1, t.passes, out _);
            Reference.AssertWellFormed(cert.Assignment, c, t.rows, t.columns);
            double expected = Reference.Hungarian(c, t.rows, t.columns, t.max);
            return Math.Abs(cert.Assignment.Cost - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected))
                   && Math.Abs(cert.DualObjective - expected) <= 1e-8 * Math.Max(1, Math.Abs(expected));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Fact]
    public void TwoThreadsGiveTheSameAssignmentAsOne()
    {
        const int n = 640; // above ShortestAugmentingPath.ParallelThreshold
        Assert.True((long)n * n >= ShortestAugmentingPath.ParallelThreshold);
        var c = Reference.Integers(n, n, 40, 9);
        var one = LinearAssignment.SolveWithDuals<double>(c, n, n, false, 1, 0, out _);
        var two = LinearAssignment.SolveWithDuals<double>(c, n, n, false, 2, 0, out _);
        Assert.Equal(one, two);
        Assert.Equal(Reference.Hungarian(c, n, n, false), two.Assignment.Cost);
    }
}
