using FsCheck;
using FsCheck.Fluent;

namespace Noether.Alignment.Tests;

/// <summary>The dual potentials returned with an assignment prove it optimal (LP duality), up to rounding.</summary>
public class DualCertificateTests
{
    /// <summary>Checks feasibility, complementary slackness, the sign of the longer side and a zero duality gap.</summary>
    private static bool Certifies(AssignmentCertificate cert, double[] c, int rows, int columns)
    {
        double scale = Math.Max(1, c.Max(Math.Abs)), tol = 1e-9 * scale;
        double s = cert.Maximize ? -1 : 1;
        var (u, v, a) = (cert.RowPotentials, cert.ColumnPotentials, cert.Assignment);
        if (u.Length != rows || v.Length != columns) return false;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
            {
                double slack = s * (c[i * columns + j] - u[i] - v[j]);
                if (slack < -tol) return false;
                if (a.RowToColumn[i] == j && Math.Abs(slack) > tol) return false;
            }
        // The longer side's constraints are inequalities: their potentials have the sign of the slack and vanish when unassigned.
        if (rows < columns)
            for (int j = 0; j < columns; j++)
                if (s * v[j] > tol || (a.ColumnToRow[j] < 0 && Math.Abs(v[j]) > tol)) return false;
        if (rows > columns)
            for (int i = 0; i < rows; i++)
                if (s * u[i] > tol || (a.RowToColumn[i] < 0 && Math.Abs(u[i]) > tol)) return false;
        return Math.Abs(cert.DualObjective - a.Cost) <= 1e-9 * scale * Math.Max(rows, columns);
    }

    [Fact]
    public void PotentialsCertifyOptimalityOnRandomShapes()
    {
        var gen = from rows in Gen.Choose(1, 120)
                  from columns in Gen.OneOf(Gen.Constant(rows), Gen.Choose(1, 120))
                  from ties in Gen.Elements(0, 3, 50)
                  from seed in Gen.Choose(0, 1_000_000)
                  from max in Gen.Elements(false, true)
                  select (rows, columns, ties, seed, max);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var c = t.ties == 0 ? Reference.Reals(t.rows, t.columns, t.seed) : Reference.Integers(t.rows, t.columns, t.ties, t.seed);
            return Certifies(LinearAssignment.SolveWithDuals<double>(c, t.rows, t.columns, t.max), c, t.rows, t.columns);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    [Fact]
    public void PotentialsCertifyAConstantRectangularMatrix()
    {
        var c = Enumerable.Repeat(4.0, 30 * 70).ToArray();
        Assert.True(Certifies(LinearAssignment.SolveWithDuals<double>(c, 30, 70), c, 30, 70));
        Assert.True(Certifies(LinearAssignment.SolveWithDuals<double>(c, 70, 30, maximize: true), c, 70, 30));
    }

    [Fact]
    public void DualObjectiveEqualsTheCost()
    {
        double[,] c = { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };
        var cert = LinearAssignment.SolveWithDuals(c);
        Assert.Equal(5.0, cert.DualObjective, 12);
        Assert.Equal(5.0, cert.Assignment.Cost);
    }
}
