using Noether.Alignment.Matching;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;
using Noether.Tensors.Linalg;

namespace Noether.Alignment.Provenance;

/// <summary>
/// Fits B's residual stream to A's on the derived group: the stream is the factor whose segment the first MLP's down
/// projection writes; its anchors are the bindings of that segment whose parameter has no other axis any factor
/// moves (the token embedding, a first Linear on raw inputs), so their rows are comparable as they stand. A permuting
/// factor is matched by linear assignment on the anchors' cosine similarity (absolute when the segment may flip signs,
/// with a scale when it may rescale); a matrix factor (the O(d) stream after norm folding) by orthogonal Procrustes.
/// </summary>
public static class StreamAlignment
{
    /// <summary>The map from B's stream to A's (identity, with the reason, when the stream has no anchor).</summary>
    public static StreamMap Fit(IParameterSource a, WeightSpaceSpec specA, MlpBlock blockA, IParameterSource b, WeightSpaceSpec specB, MlpBlock blockB)
    {
        var sa = Stream(specA, blockA);
        var sb = Stream(specB, blockB);
        if (sa is null || sb is null) return StreamMap.Identity("identity (the derived group does not move the residual stream)");
        var (fa, fb) = (sa.Value, sb.Value);
        var anchorsA = Anchors(a.Graph, specA, fa.Factor, fa.Segment);
        var anchorsB = Anchors(b.Graph, specB, fb.Factor, fb.Segment);
        if (anchorsA.Count == 0 || anchorsB.Count == 0)
            return StreamMap.Identity("identity (no parameter anchors the residual stream: no embedding or input layer)");
        var featuresA = Features(a, anchorsA);
        var featuresB = Features(b, anchorsB);
        if (!Shapes.Equal(featuresA.Shape, featuresB.Shape))
            throw new ArgumentException($"{a.Name} and {b.Name}: the residual stream's anchors ({string.Join(", ", anchorsA.Select(x => x.Parameter))}) " +
                $"are {Shapes.Format(featuresA.Shape)} in {a.Name} but {Shapes.Format(featuresB.Shape)} in {b.Name} (vocabulary or inputs × stream width)");
        string from = string.Join(", ", anchorsA.Select(x => x.Parameter).Distinct());
        // Fewer anchor rows than stream coordinates leave part of the stream unpinned (a continuous map is then only
        // fitted on the anchors' span): say so in the description, which reports carry.
        if (featuresA.Dim(0) < featuresA.Dim(1))
            from += $" (only {featuresA.Dim(0)} anchor rows for {featuresA.Dim(1)} stream coordinates: the fit is underdetermined)";
        bool matrix = FactorKinds.IsMatrix(fa.Factor) || FactorKinds.IsMatrix(fb.Factor);
        if (matrix) return Procrustes(featuresA, featuresB, from);
        if (!FactorKinds.Permutes(fa.Factor) && !FactorKinds.Permutes(fb.Factor))
            return StreamMap.Identity("identity (the residual stream admits no permutation)");
        var kinds = new[] { Kind(fa), Kind(fb) };
        bool signs = kinds.Any(k => k is DiagonalKind.Sign or DiagonalKind.Nonzero);
        bool scales = kinds.Any(k => k is DiagonalKind.Positive or DiagonalKind.Nonzero);
        return Permutation(featuresA, featuresB, signs, scales, from);
    }

    /// <summary>The stream factor and segment: where the first MLP's down projection writes.</summary>
    private static (SymmetryFactor Factor, int Segment)? Stream(WeightSpaceSpec spec, MlpBlock block)
    {
        foreach (var f in spec.Factors)
            foreach (var binding in f.Bindings)
                if (binding.Parameter == block.Down && binding.Axis == 0 && binding.Offset == 0 && binding.BlockSize == 1) return (f, binding.Segment);
        return null;
    }

    private static DiagonalKind Kind((SymmetryFactor Factor, int Segment) s)
        => FactorKinds.SegmentDiagonals(s.Factor)[FactorKinds.Root(s.Factor, s.Segment)] ?? DiagonalKind.None;

    /// <summary>Covariant whole-axis bindings of the segment on rank-2 parameters no other factor touches.</summary>
    private static List<AxisBinding> Anchors(Noether.Nn.Graph graph, WeightSpaceSpec spec, SymmetryFactor stream, int segment)
    {
        var rank = graph.Parameters.ToDictionary(p => p.Name, p => p.Shape.Length);
        var moved = spec.Factors.SelectMany(f => f.Bindings).GroupBy(b => b.Parameter).ToDictionary(g => g.Key, g => g.Select(b => b.Axis).Distinct().Count());
        return stream.Bindings
            .Where(b => b.Segment == segment && b.Rule == AxisRule.Covariant && b.Offset == 0 && b.BlockSize == 1 && b.Axis <= 1 && rank[b.Parameter] == 2 && moved[b.Parameter] == 1)
            .OrderBy(b => b.Parameter, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The anchors stacked as [Σ other sizes, d]: column i describes stream coordinate i (an embedding [V, d] as it is
    /// stored, a first Linear's weight [d, in] transposed), so the largest anchor is never copied.
    /// </summary>
    private static Tensor<float> Features(IParameterSource source, List<AxisBinding> anchors)
    {
        var parts = new List<Tensor<float>>();
        foreach (var anchor in anchors)
        {
            var t = source.Read(anchor.Parameter);
            if (t.Rank != 2) throw new ArgumentException($"{source.Name}: stream anchor '{anchor.Parameter}' is {Shapes.Format(t.Shape)}, expected a matrix");
            parts.Add(anchor.Axis == 1 ? t : t.Transpose().Contiguous());
        }
        if (parts.Count == 1) return parts[0];
        int d = parts[0].Dim(1), height = parts.Sum(p => p.Dim(0));
        if (parts.Any(p => p.Dim(1) != d)) throw new ArgumentException($"{source.Name}: stream anchors of different widths {string.Join(", ", parts.Select(p => Shapes.Format(p.Shape)))}");
        var all = new float[height * d];
        int offset = 0;
        foreach (var p in parts)
        {
            p.Span.CopyTo(all.AsSpan(offset));
            offset += p.Length;
        }
        return Tensor<float>.FromArray(all, height, d);
    }

    /// <summary>Scales every column to unit norm in place and returns the column norms.</summary>
    private static double[] NormaliseColumns(Tensor<float> f)
    {
        int k = f.Dim(0), d = f.Dim(1);
        var span = f.Span;
        var norms = new double[d];
        for (int r = 0; r < k; r++)
        {
            var row = span.Slice(r * d, d);
            for (int i = 0; i < d; i++) norms[i] += (double)row[i] * row[i];
        }
        var inverse = new float[d];
        for (int i = 0; i < d; i++) { norms[i] = Math.Sqrt(norms[i]); inverse[i] = norms[i] > 0 ? (float)(1 / norms[i]) : 0; }
        for (int r = 0; r < k; r++) System.Numerics.Tensors.TensorPrimitives.Multiply(span.Slice(r * d, d), inverse, span.Slice(r * d, d));
        return norms;
    }

    private static StreamMap Permutation(Tensor<float> fa, Tensor<float> fb, bool signs, bool scales, string from)
    {
        int d = fa.Dim(1);
        var (na, nb) = (NormaliseColumns(fa), NormaliseColumns(fb));
        var raw = fa.Transpose().MatMul(fb).Contiguous(); // [d, d] cosines of stream coordinates
        var cost = raw.Clone();
        if (signs) System.Numerics.Tensors.TensorPrimitives.Abs(cost.Span, cost.Span);
        var assignment = LinearAssignment.Solve<float>(cost.Span, d, d, maximize: true);
        var scale = new double[d];
        var r = raw.Span;
        for (int i = 0; i < d; i++)
        {
            int j = assignment.RowToColumn[i];
            double sign = signs && r[i * d + j] < 0 ? -1 : 1;
            double magnitude = scales && na[i] > 0 && nb[j] > 0 ? nb[j] / na[i] : 1;
            scale[i] = sign * magnitude;
        }
        string what = signs ? (scales ? "scaled signed permutation" : "signed permutation") : scales ? "scaled permutation" : "permutation";
        return StreamMap.Monomial($"{what} matched on {from}", assignment.RowToColumn, scale);
    }

    private static StreamMap Procrustes(Tensor<float> fa, Tensor<float> fb, string from)
    {
        // R = U·Vᵀ from F_Aᵀ·F_B = U·S·Vᵀ (columns are stream coordinates) maximises tr(Rᵀ·F_Aᵀ·F_B), i.e. R·z_B ≈ z_A.
        var m = fa.Transpose().MatMul(fb).Cast<double>();
        var (u, _, vt) = Linalg.Svd(m);
        return StreamMap.Orthogonal($"orthogonal map (Procrustes) fitted on {from}", u.MatMul(vt).Cast<float>());
    }
}
