namespace Noether.Alignment.Tests;

/// <summary>The result record: value equality, pairs, text.</summary>
public class AssignmentTests
{
    [Fact]
    public void EqualityComparesContentsNotArrayReferences()
    {
        var a = new Assignment([1, 0, -1], [1, 0], 3.5);
        var b = new Assignment([1, 0, -1], [1, 0], 3.5);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new Assignment([0, 1, -1], [0, 1], 3.5));
        Assert.NotEqual(a, b with { Cost = 3.0 });
    }

    [Fact]
    public void PairsAndCountsFollowTheShape()
    {
        var a = new Assignment([1, -1, 0], [2, 0], 7);
        Assert.Equal(3, a.Rows);
        Assert.Equal(2, a.Columns);
        Assert.Equal(2, a.Count);
        Assert.Equal([(0, 1), (2, 0)], a.Pairs());
    }

    [Fact]
    public void ToStringIsReadableAndShort()
    {
        Assert.Equal("Assignment 3×2, cost 7: 0→1, 2→0", new Assignment([1, -1, 0], [2, 0], 7).ToString());
        var big = LinearAssignment.Solve<double>(new double[20 * 20], 20, 20);
        Assert.EndsWith(", … 4 more", big.ToString());
        Assert.StartsWith("Assignment 20×20, cost 0: ", big.ToString());
    }
}
