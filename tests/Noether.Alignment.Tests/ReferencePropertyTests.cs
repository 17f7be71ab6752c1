using FsCheck;
using FsCheck.Fluent;

namespace Noether.Alignment.Tests;

/// <summary>The solver against the plain Hungarian method on random shapes up to 200 × 200.</summary>
public class ReferencePropertyTests
{
    private static readonly Gen<(int Rows, int Columns, int Ties, int Seed, bool Maximize)> Cases =
        from rows in Gen.Choose(1, 200)
        from columns in Gen.OneOf(Gen.Constant(rows), Gen.Choose(1, 200))
        from ties in Gen.Elements(0, 2, 5, 1000)
        from seed in Gen.Choose(0, 1_000_000)
        from max in Gen.Elements(false, true)
        select (rows, columns, ties, seed, max);

    [Fact]
    public void OptimumEqualsTheHungarianMethod()
    {
        Prop.ForAll(Cases.ToArbitrary(), t =>
        {
            var c = t.Ties == 0 ? Reference.Reals(t.Rows, t.Columns, t.Seed) : Reference.Integers(t.Rows, t.Columns, t.Ties, t.Seed);
            var a = LinearAssignment.Solve<double>(c, t.Rows, t.Columns, t.Maximize);
            Reference.AssertWellFormed(a, c, t.Rows, t.Columns);
            double expected = Reference.Hungarian(c, t.Rows, t.Columns, t.Maximize);
            return Math.Abs(a.Cost - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(120));
    }

    [Theory]
    [InlineData(300, 300)]
    [InlineData(150, 400)]
    [InlineData(400, 150)]
    public void LargerMatricesWithTiesEqualTheHungarianMethod(int rows, int columns)
    {
        var c = Reference.Integers(rows, columns, 7, rows + columns);
        Assert.Equal(Reference.Hungarian(c, rows, columns, false), LinearAssignment.Solve<double>(c, rows, columns).Cost);
        Assert.Equal(Reference.Hungarian(c, rows, columns, true), LinearAssignment.Solve<double>(c, rows, columns, maximize: true).Cost);
    }

    [Fact]
    public void SumStructuredCostsMakeEveryPermutationOptimal()
    {
        // c_ij = a_i + b_j: every permutation costs Σa + Σb, a fully degenerate square problem.
        const int n = 257;
        var rng = new Random(3);
        var a = Enumerable.Range(0, n).Select(_ => (double)rng.Next(100)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (double)rng.Next(100)).ToArray();
        var c = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i * n + j] = a[i] + b[j];
        var result = LinearAssignment.Solve<double>(c, n, n);
        Reference.AssertWellFormed(result, c, n, n);
        Assert.Equal(a.Sum() + b.Sum(), result.Cost);
    }

    [Fact]
    public void ALargeConstantMatrixIsSolved()
    {
        const int n = 600;
        var c = Enumerable.Repeat(-1.25, n * n).ToArray();
        var result = LinearAssignment.Solve<double>(c, n, n);
        Reference.AssertWellFormed(result, c, n, n);
        Assert.Equal(-1.25 * n, result.Cost);
    }
}
