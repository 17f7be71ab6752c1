using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Noether.Tensors;

namespace Noether.Alignment.Provenance;

/// <summary>
/// Matches the hidden units of two models on one view (rows of a projection, or activations): linear assignment
/// maximising the cosine similarity of unit rows (its absolute value when the derived group may flip the units'
/// signs). Rectangular: the model with fewer units has each of its units matched.
/// </summary>
public static class UnitMatching
{
    /// <summary>Rows scaled to unit Euclidean norm (zero rows stay zero), in a new tensor.</summary>
    public static Tensor<float> Normalised(Tensor<float> rows) => NormaliseInPlace(rows.Contiguous().Clone());

    /// <summary>Scales the rows of a contiguous tensor the caller owns to unit norm, in place; returns it.</summary>
    public static Tensor<float> NormaliseInPlace(Tensor<float> rows)
    {
        int m = rows.Dim(0), d = rows.Dim(1);
        var data = rows.Span;
        for (int i = 0; i < m; i++)
        {
            var row = data.Slice(i * d, d);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        }
        return rows;
    }

    /// <summary>Euclidean norms of the rows.</summary>
    public static double[] RowNorms(Tensor<float> rows)
    {
        int m = rows.Dim(0), d = rows.Dim(1);
        var span = rows.Contiguous().Span;
        var norms = new double[m];
        for (int i = 0; i < m; i++) norms[i] = TensorPrimitives.Norm(span.Slice(i * d, d));
        return norms;
    }

    /// <summary>Cosine similarities [m_A, m_B] of unit rows (optionally absolute).</summary>
    public static Tensor<float> Cosine(Tensor<float> unitA, Tensor<float> unitB, bool absolute)
    {
        if (unitA.Dim(1) != unitB.Dim(1))
            throw new ShapeMismatchException("UnitMatching", "unit rows of both models must have the same width", unitA.ShapeArray(), unitB.ShapeArray());
        var c = unitA.MatMul(unitB.Transpose()).Contiguous();
        if (absolute) TensorPrimitives.Abs(c.Span, c.Span);
        return c;
    }

    /// <summary>
    /// The matching of the side with fewer units (B when m_B ≤ m_A) to the other side's units: entry k is the partner
    /// of unit k. <paramref name="bSide"/> tells which side the entries are indexed by.
    /// </summary>
    public static int[] Match(Tensor<float> unitA, Tensor<float> unitB, bool absolute, out bool bSide)
    {
        bSide = unitB.Dim(0) <= unitA.Dim(0);
        var cost = bSide ? Cosine(unitB, unitA, absolute) : Cosine(unitA, unitB, absolute);
        // Minimise −cos in place: maximising would copy the matrix (11008² floats for a 7B MLP).
        TensorPrimitives.Negate(cost.Span, cost.Span);
        return LinearAssignment.Solve<float>(cost.Span, cost.Dim(0), cost.Dim(1)).RowToColumn;
    }
}
