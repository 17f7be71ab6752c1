using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>
        /// A W-asymmetric layer (weight rows = output channels, each row = input channels × entries per channel):
        /// a group element moves the trainable entries while the frozen ones keep their fixed values, so it is a
        /// symmetry only if it maps the frozen pattern onto itself with equal values. Derived from the pattern itself,
        /// per space with the neighbouring spaces held fixed:
        /// <list type="bullet">
        /// <item>output side: a permutation maps row r to a row with the same multiset of (position within channel,
        /// fixed value); rows whose multisets are pairwise different admit only the identity. A scale dᵣ ≠ 1 changes
        /// a frozen entry of row r, and a non-monomial map writes trainable entries of other rows into it.</item>
        /// <item>input side: likewise for input channels, with the multiset over all rows.</item>
        /// </list>
        /// Where the pattern cannot certify triviality (equal multisets, a channel without frozen entries), the space is
        /// still restricted to the identity — a subgroup, so sound — and a note says the certificate is missing.
        /// </summary>
        private void ConstrainFrozen(Node node, FrozenPattern pattern, string input, int inChannels, int perChannel)
        {
            string o = node.Name, what = $"{o} (W-asymmetric {node.Op.Kind}, {pattern.PerRow} of {pattern.RowLength} entries frozen per row)";
            var rowKeys = new string[pattern.Rows];
            var channelEntries = new List<(int Pos, double Value)>[inChannels];
            for (int c = 0; c < inChannels; c++) channelEntries[c] = new();
            var rowEntries = new List<(int Pos, double Value)>();
            bool zero = false;
            for (int r = 0; r < pattern.Rows; r++)
            {
                rowEntries.Clear();
                for (int j = r * pattern.PerRow; j < (r + 1) * pattern.PerRow; j++)
                {
                    int col = pattern.Indices[j] - r * pattern.RowLength;
                    double v = pattern.Values[j];
                    zero |= v == 0;
                    rowEntries.Add((col % perChannel, v));
                    if (col / perChannel < inChannels) channelEntries[col / perChannel].Add((col % perChannel, v));
                }
                rowKeys[r] = Key(rowEntries);
            }
            int equalRows = pattern.Rows - rowKeys.Distinct(StringComparer.Ordinal).Count();
            string outReason = equalRows == 0 && !zero && pattern.PerRow > 0
                ? $"{what}: its {pattern.Rows} rows hold pairwise different multisets of fixed values, so only the identity permutation maps the frozen pattern onto itself; a scale dᵣ ≠ 1 changes row r's frozen values and a non-monomial map writes trainable entries into them — trivial"
                : $"{what}: {equalRows} rows repeat another row's fixed values (or a fixed value is 0), so the pattern does not certify triviality; restricted to the identity";
            Constrain(o, null, outReason);
            _notes.Add(outReason);
            if (graph.Inputs.Any(i => i.Name == input)) return; // fixed anyway
            var channelKeys = channelEntries.Select(Key).ToArray();
            int empty = channelEntries.Count(e => e.Count == 0);
            int equalChannels = inChannels - channelKeys.Distinct(StringComparer.Ordinal).Count();
            string inReason = empty == 0 && equalChannels == 0 && !zero
                ? $"{what}: its {inChannels} input channels each hold frozen entries, with pairwise different multisets of fixed values, so only the identity permutation and unit scales keep them — trivial"
                : $"{what}: {empty} input channels hold no frozen entry and {equalChannels} repeat another's fixed values, so the pattern does not certify triviality on '{input}'; restricted to the identity";
            Constrain(input, null, inReason);
            _notes.Add(inReason);

            static string Key(List<(int Pos, double Value)> entries)
                => string.Join(";", entries.OrderBy(e => e.Pos).ThenBy(e => e.Value).Select(e => $"{e.Pos}:{BitConverter.DoubleToInt64Bits(e.Value):x}"));
        }

        /// <summary>
        /// FiGLU σ(x) = sigmoid(F·x) ⊙ x. An element g of the channels is a symmetry only if sigmoid(F·g·x) ⊙ g·x =
        /// g′·(sigmoid(F·x) ⊙ x) for every x. Scales: sigmoid is injective, so F·D = F, i.e. d_j = 1 on every non-zero
        /// column of F. Permutations: P·F·Pᵀ = F, so P maps channel i to a channel with the same diagonal entry and the
        /// same multisets of row and column entries; when those keys are pairwise different, only the identity.
        /// </summary>
        private void ConstrainFiglu(Node node, FigluOp f, string input)
        {
            int n = f.Channels;
            var m = f.Matrix();
            var keys = new string[n];
            int zeroColumns = 0;
            for (int i = 0; i < n; i++)
            {
                var row = Enumerable.Range(0, n).Where(j => j != i).Select(j => m[i * n + j]).Order();
                var col = Enumerable.Range(0, n).Where(j => j != i).Select(j => m[j * n + i]).Order().ToArray();
                if (col.All(v => v == 0) && m[i * n + i] == 0) zeroColumns++;
                keys[i] = $"{m[i * n + i]:R}|{string.Join(",", row.Select(v => v.ToString("R")))}|{string.Join(",", col.Select(v => v.ToString("R")))}";
            }
            int equal = n - keys.Distinct(StringComparer.Ordinal).Count();
            string reason = zeroColumns == 0 && equal == 0
                ? $"{node.Name} (FiGLU σ(x) = sigmoid(F·x) ⊙ x, fixed F {n}×{n}, seed {f.Seed}): F·D = F forces every scale to 1 (no column of F is zero), and P·F·Pᵀ = F admits only the identity (the channels' diagonal, row and column entries of F are pairwise different) — trivial"
                : $"{node.Name} (FiGLU): F has {zeroColumns} zero columns and {equal} channels whose entries repeat another's, so F does not certify triviality; restricted to the identity";
            Constrain(input, null, reason);
            Constrain(node.Name, null, reason);
            _notes.Add(reason);
        }
    }
}
