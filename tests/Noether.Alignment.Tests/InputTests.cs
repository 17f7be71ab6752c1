using FsCheck;
using FsCheck.Fluent;
using Noether.Tensors;

namespace Noether.Alignment.Tests;

/// <summary>Element types, input forms and the one-line errors for bad input.</summary>
public class InputTests
{
    [Theory]
    [InlineData(40, 40)]
    [InlineData(25, 60)]
    [InlineData(60, 25)]
    public void Float32InputSolvesTheWidenedProblem(int rows, int columns)
    {
        var rng = new Random(rows * columns);
        var f = new float[rows * columns];
        for (int k = 0; k < f.Length; k++) f[k] = (float)(rng.NextDouble() * 10 - 5);
        var d = f.Select(x => (double)x).ToArray();
        foreach (bool max in new[] { false, true })
        {
            var a32 = LinearAssignment.Solve<float>(f, rows, columns, max);
            var a64 = LinearAssignment.Solve<double>(d, rows, columns, max);
            Assert.Equal(a64.Cost, a32.Cost, 9);
            Assert.Equal(Reference.Hungarian(d, rows, columns, max), a32.Cost, 9);
            Reference.AssertWellFormed(a32, d, rows, columns);
        }
    }

    [Fact]
    public void Float32CostsGiveTheSameCertificateAsTheirFloat64Widening()
    {
        // Float32 rows are widened in registers; the arithmetic is the float64 solver's on the same values.
        var gen = from rows in Gen.Choose(1, 150)
                  from columns in Gen.OneOf(Gen.Constant(rows), Gen.Choose(1, 150))
                  from seed in Gen.Choose(0, 1_000_000)
                  from max in Gen.Elements(false, true)
                  select (rows, columns, seed, max);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var f = Reference.Reals(t.rows, t.columns, t.seed).Select(x => (float)x).ToArray();
            var d = f.Select(x => (double)x).ToArray();
            return LinearAssignment.SolveWithDuals<float>(f, t.rows, t.columns, t.max)
                .Equals(LinearAssignment.SolveWithDuals<double>(d, t.rows, t.columns, t.max));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(80));
    }

    [Fact]
    public void HalfInputWidensExactly()
    {
        var d = Reference.Integers(12, 17, 9, 4);
        var h = d.Select(x => (Half)x).ToArray();
        Assert.Equal(LinearAssignment.Solve<double>(d, 12, 17), LinearAssignment.Solve<Half>(h, 12, 17));
        Assert.Equal(LinearAssignment.Solve<double>(d, 17, 12, maximize: true), LinearAssignment.Solve<Half>(h, 17, 12, maximize: true));
    }

    [Fact]
    public void ArraysTensorsAndSpansAgree()
    {
        var rng = new Rng(5);
        var t = Tensor<double>.RandomUniform(rng, 0.0, 1.0, 9, 13);
        var span = LinearAssignment.Solve<double>(t.Span, 9, 13);
        var array = new double[9, 13];
        for (int i = 0; i < 9; i++) for (int j = 0; j < 13; j++) array[i, j] = t[i, j];
        Assert.Equal(span, LinearAssignment.Solve(array));
        Assert.Equal(span, LinearAssignment.Solve(t));
        // A transposed (non-contiguous) view is the transposed problem.
        var transposed = LinearAssignment.Solve(t.Transpose());
        Assert.Equal(span.RowToColumn, transposed.ColumnToRow);
        Assert.Equal(span.Cost, transposed.Cost, 12);
    }

    [Fact]
    public void EmptyMatricesGiveEmptyAssignments()
    {
        var a = LinearAssignment.Solve<double>(ReadOnlySpan<double>.Empty, 0, 4);
        Assert.Equal(0, a.Count);
        Assert.Equal([-1, -1, -1, -1], a.ColumnToRow);
        Assert.Equal(0.0, a.Cost);
        Assert.Equal([-1, -1], LinearAssignment.Solve<float>(ReadOnlySpan<float>.Empty, 2, 0).RowToColumn);
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void NonFiniteCostsAreRefusedNamingTheFirstBadEntry(double bad, string shown)
    {
        var c = new double[3 * 4];
        c[1 * 4 + 2] = bad;
        c[2 * 4 + 3] = double.NaN;
        foreach (bool max in new[] { false, true })
        {
            var e = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve<double>(c, 3, 4, max));
            Assert.Equal($"cost matrix 3×4 has {shown} at row 1, column 2", e.Message);
            var t = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve<float>(c.Select(x => (float)x).ToArray(), 4, 3, max));
            Assert.Equal($"cost matrix 4×3 has {shown} at row 2, column 0", t.Message);
        }
    }

    [Fact]
    public void HugeCostsThatWouldOverflowThePotentialsAreRefused()
    {
        var c = new double[] { 0, 1, 1e308, 2 };
        var e = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve<double>(c, 2, 2));
        Assert.StartsWith("cost matrix 2×2 has 1E+308, beyond the magnitude", e.Message);
        Assert.EndsWith("at row 1, column 0", e.Message);
    }

    [Fact]
    public void ShapeMismatchesAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve<double>(new double[11], 3, 4));
        Assert.Equal("cost matrix 3×4 needs 12 elements, got 11", e.Message);
        var r = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(Tensor<double>.Zeros(2, 3, 4)));
        Assert.Equal("cost matrix must be a rank-2 tensor, got shape [2, 3, 4]", r.Message);
        var n = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve<double>(ReadOnlySpan<double>.Empty, -1, 0));
        Assert.Equal("cost matrix shape must be non-negative, got -1×0", n.Message);
    }
}
