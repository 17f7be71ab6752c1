using Noether.Tensors;

namespace Noether.Graphs.Spectral;

/// <summary>
/// The eigenvector inputs of a <see cref="GraphBatch"/> with k eigenvectors per graph, laid out for the encodings.
/// Graphs with fewer than k nodes (and empty graphs) are padded with zero eigenvectors and eigenvalues, and
/// <see cref="Mask"/> marks the real ones; encoders multiply their per-eigenvector outputs by the mask, so padding
/// contributes nothing. BasisNet and SPE use whole eigenspaces (<see cref="GraphSpectrum.WholeSpaceCount"/>), which
/// may reach past k when the k-th eigenvalue is repeated.
/// </summary>
public sealed class SpectralBatch
{
    /// <summary>Builds the layout; one spectrum per graph of the batch, sizes must match.</summary>
    public SpectralBatch(GraphBatch batch, IReadOnlyList<GraphSpectrum> spectra, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"SpectralBatch: needs k ≥ 1 eigenvectors, got {k}");
        if (spectra.Count != batch.GraphCount)
            throw new ArgumentException($"SpectralBatch: {spectra.Count} spectra for {batch.GraphCount} graphs");
        K = k;
        int n = batch.NodeCount;
        var vec = new double[n * k]; var mask = new double[n * k]; var val = new double[n * k];
        var pairNode = new List<int>(); var pairOther = new List<int>(); var diag = new int[n];
        var usedValue = new List<double>();
        int maxPairs = 0, maxUsed = 0;
        for (int g = 0; g < batch.GraphCount; g++)
        {
            maxPairs = Math.Max(maxPairs, spectra[g].Size * spectra[g].Size);
            maxUsed = Math.Max(maxUsed, spectra[g].WholeSpaceCount(k));
        }
        var products = new double[batch.GraphCount * maxPairs * maxUsed];
        var filterRow = new int[batch.GraphCount * maxUsed];
        var paddedPair = new List<int>();
        var spaceDim = new List<int>(); var spaceValue = new List<double>();
        var spaceNodeNode = new List<int>(); var spaceNodeSpace = new List<int>(); var spaceNodeDiag = new List<double>();
        var spacePairRow = new List<int>(); var spacePairValue = new List<double>();
        var spaceNodeSlot = new List<int>();
        for (int g = 0; g < batch.GraphCount; g++)
        {
            var s = spectra[g];
            int off = batch.NodeOffset[g], ng = batch.NodeOffset[g + 1] - off;
            if (s.Size != ng) throw new ArgumentException($"SpectralBatch: {batch.Graphs[g].Name} has {ng} nodes but its spectrum has {s.Size}");
            var v = s.Vectors;
            for (int i = 0; i < ng; i++)
                for (int l = 0; l < Math.Min(k, ng); l++)
                {
                    vec[(off + i) * k + l] = v[i, l];
                    mask[(off + i) * k + l] = 1;
                    val[(off + i) * k + l] = s.Values[l];
                }
            for (int i = 0; i < ng; i++)
                for (int j = 0; j < ng; j++)
                {
                    if (i == j) diag[off + i] = pairNode.Count;
                    pairNode.Add(off + i); pairOther.Add(off + j);
                }
            int used = s.WholeSpaceCount(k), eigenBase = usedValue.Count;
            for (int l = 0; l < used; l++) usedValue.Add(s.Values[l]);
            for (int i = 0; i < ng; i++)
                for (int j = 0; j < ng; j++)
                {
                    int row = i * ng + j;
                    paddedPair.Add(g * maxPairs + row);
                    for (int l = 0; l < used; l++) products[(g * maxPairs + row) * maxUsed + l] = v[i, l] * v[j, l];
                }
            for (int l = 0; l < maxUsed; l++) filterRow[g * maxUsed + l] = l < used ? eigenBase + l : -1;
            int slot = 0;
            foreach (var space in s.Eigenspaces)
            {
                if (space.Start >= used) break;
                int spaceIndex = spaceDim.Count, rowBase = spaceNodeNode.Count;
                spaceDim.Add(space.Dimension); spaceValue.Add(space.Value);
                for (int i = 0; i < ng; i++)
                {
                    spaceNodeNode.Add(off + i); spaceNodeSpace.Add(spaceIndex); spaceNodeSlot.Add(slot);
                    for (int j = 0; j < ng; j++)
                    {
                        double p = 0;
                        for (int l = space.Start; l < space.Start + space.Dimension; l++) p += v[i, l] * v[j, l];
                        spacePairRow.Add(rowBase + i); spacePairValue.Add(p);
                        if (i == j) spaceNodeDiag.Add(p);
                    }
                }
                slot++;
            }
        }
        Vectors = new Tensor<double>(vec, n, k); Mask = new Tensor<double>(mask, n, k); Values = new Tensor<double>(val, n, k);
        PairNode = [.. pairNode]; PairOther = [.. pairOther]; DiagonalPair = diag;
        UsedEigenvalues = [.. usedValue];
        for (int i = 0; i < filterRow.Length; i++) if (filterRow[i] < 0) filterRow[i] = usedValue.Count; // the zero row
        Products = new Tensor<double>(products, batch.GraphCount, maxPairs, maxUsed);
        FilterRow = filterRow; PaddedPair = [.. paddedPair];
        SpaceDimension = [.. spaceDim]; SpaceValue = [.. spaceValue];
        SpaceNodeNode = [.. spaceNodeNode]; SpaceNodeSpace = [.. spaceNodeSpace]; SpaceNodeSlot = [.. spaceNodeSlot];
        SpaceNodeDiagonal = [.. spaceNodeDiag];
        SpacePairRow = [.. spacePairRow]; SpacePairValue = [.. spacePairValue];
        NodeCount = n;
    }

    /// <summary>k, eigenvectors per graph.</summary>
    public int K { get; }

    /// <summary>N, nodes in the batch.</summary>
    public int NodeCount { get; }

    /// <summary>v_il for node i (row) and eigenvector l &lt; k of its graph [N, k], zero-padded.</summary>
    public Tensor<double> Vectors { get; }

    /// <summary>1 where eigenvector l exists for the node's graph (l &lt; n_g), else 0 [N, k].</summary>
    public Tensor<double> Mask { get; }

    /// <summary>λ_l of the node's graph [N, k], zero-padded.</summary>
    public Tensor<double> Values { get; }

    /// <summary>Node pairs (i, j) within each graph, i-major: the row node i (global).</summary>
    public int[] PairNode { get; }

    /// <summary>The column node j (global) of each pair.</summary>
    public int[] PairOther { get; }

    /// <summary>The pair index of (i, i) for every node.</summary>
    public int[] DiagonalPair { get; }

    /// <summary>Eigenvalues of the whole-eigenspace selection, graph after graph.</summary>
    public double[] UsedEigenvalues { get; }

    /// <summary>
    /// SPE's products U[g, i·n_g + j, l] = v_il·v_jl over the whole-space selection, zero-padded to
    /// [G, max n_g², max k'_g], so that Z = U · Φ is one batched matrix product.
    /// </summary>
    public Tensor<double> Products { get; }

    /// <summary>For row (g, l) of the padded filter matrix: the used-eigenvalue index, or the count of used eigenvalues (a zero row) as padding.</summary>
    public int[] FilterRow { get; }

    /// <summary>For every pair p (in <see cref="PairNode"/> order): its row g·max n² + i·n_g + j of the padded product.</summary>
    public int[] PaddedPair { get; }

    /// <summary>Dimension of each used eigenspace (BasisNet), graph after graph.</summary>
    public int[] SpaceDimension { get; }

    /// <summary>Eigenvalue of each used eigenspace.</summary>
    public double[] SpaceValue { get; }

    /// <summary>Rows (space, node i): the node.</summary>
    public int[] SpaceNodeNode { get; }

    /// <summary>Rows (space, node i): the space.</summary>
    public int[] SpaceNodeSpace { get; }

    /// <summary>Rows (space, node i): the space's position among its graph's spaces (&lt; k).</summary>
    public int[] SpaceNodeSlot { get; }

    /// <summary>Rows (space, node i): the projection's diagonal (V_s V_sᵀ)_ii.</summary>
    public double[] SpaceNodeDiagonal { get; }

    /// <summary>Rows (space, i, j): the (space, i) row they belong to.</summary>
    public int[] SpacePairRow { get; }

    /// <summary>Rows (space, i, j): (V_s V_sᵀ)_ij.</summary>
    public double[] SpacePairValue { get; }
}
