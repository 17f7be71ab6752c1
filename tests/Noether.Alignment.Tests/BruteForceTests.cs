namespace Noether.Alignment.Tests;

/// <summary>The solver's optimum equals exhaustive search on every shape up to 8 × 8.</summary>
public class BruteForceTests
{
    public static TheoryData<int, int> SmallShapes()
    {
        var data = new TheoryData<int, int>();
        for (int r = 1; r <= 8; r++)
            for (int c = 1; c <= 8; c++)
                if (Math.Max(r, c) <= 7 || r == c || Math.Abs(r - c) == 1) data.Add(r, c);
        return data;
    }

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void IntegerCostsWithManyTiesMatchExhaustiveSearch(int rows, int columns)
    {
        for (int seed = 0; seed < 6; seed++)
        {
            foreach (int k in new[] { 2, 3, 10 })
            {
                var c = Reference.Integers(rows, columns, k, 1000 * seed + k + 17 * rows + columns);
                foreach (bool max in new[] { false, true })
                {
                    var a = LinearAssignment.Solve<double>(c, rows, columns, max);
                    Reference.AssertWellFormed(a, c, rows, columns);
                    Assert.Equal(Reference.BruteForce(c, rows, columns, max), a.Cost);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void RealCostsMatchExhaustiveSearch(int rows, int columns)
    {
        for (int seed = 0; seed < 4; seed++)
        {
            var c = Reference.Reals(rows, columns, seed * 31 + rows * 7 + columns);
            foreach (bool max in new[] { false, true })
            {
                var a = LinearAssignment.Solve<double>(c, rows, columns, max);
                Reference.AssertWellFormed(a, c, rows, columns);
                Assert.Equal(Reference.BruteForce(c, rows, columns, max), a.Cost, 12);
            }
        }
    }

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void AllEqualCostsGiveAFullMatching(int rows, int columns)
    {
        var c = Enumerable.Repeat(2.5, rows * columns).ToArray();
        foreach (bool max in new[] { false, true })
        {
            var a = LinearAssignment.Solve<double>(c, rows, columns, max);
            Reference.AssertWellFormed(a, c, rows, columns);
            Assert.Equal(2.5 * Math.Min(rows, columns), a.Cost);
        }
    }

    [Fact]
    public void AKnownMatrixHasItsKnownOptimum()
    {
        // scipy.optimize.linear_sum_assignment's documented example: rows → [1, 0, 2], cost 5.
        double[,] c = { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };
        var a = LinearAssignment.Solve(c);
        Assert.Equal([1, 0, 2], a.RowToColumn);
        Assert.Equal([1, 0, 2], a.ColumnToRow);
        Assert.Equal(5.0, a.Cost);
        Assert.Equal(11.0, LinearAssignment.Solve(c, maximize: true).Cost);
    }
}
