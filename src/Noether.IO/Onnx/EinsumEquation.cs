using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// A parsed Einsum equation with every operand's ellipsis expanded into letters, so each operand is a string with one
/// letter per axis. Implicit outputs (no <c>-&gt;</c>) are the ellipsis axes, then the letters used once, sorted.
/// </summary>
internal sealed record EinsumEquation(string Text, string[] Inputs, string Output)
{
    /// <summary>Parses <paramref name="text"/> for operands of the given ranks.</summary>
    /// <exception cref="FormatException">The equation does not fit the operands.</exception>
    public static EinsumEquation Parse(string text, IReadOnlyList<int> ranks)
    {
        var clean = new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray());
        var sides = clean.Split("->");
        if (sides.Length > 2) throw new FormatException($"equation '{text}' has more than one '->'");
        var terms = sides[0].Split(',');
        if (terms.Length != ranks.Count) throw new FormatException($"equation '{text}' names {terms.Length} operands, the node has {ranks.Count}");
        // Ellipsis axes get letters outside a–z/A–Z so they cannot clash; right-aligned across operands (broadcast).
        int ellipsis = 0;
        for (int i = 0; i < terms.Length; i++)
            if (terms[i].Contains("...")) ellipsis = Math.Max(ellipsis, ranks[i] - (terms[i].Length - 3));
        string Dots(int count) => new(Enumerable.Range(ellipsis - count, count).Select(k => (char)('α' + k)).ToArray());
        var inputs = new string[terms.Length];
        for (int i = 0; i < terms.Length; i++)
        {
            var t = terms[i];
            int dots = t.IndexOf("...", StringComparison.Ordinal);
            var expanded = dots < 0 ? t : t[..dots] + Dots(ranks[i] - (t.Length - 3)) + t[(dots + 3)..];
            if (expanded.Length != ranks[i] || expanded.Any(c => c == '.') || t.Where(c => c != '.').Any(c => !char.IsAsciiLetter(c)))
                throw new FormatException($"operand {i} '{t}' of equation '{text}' does not match its rank {ranks[i]}");
            inputs[i] = expanded;
        }
        string output;
        if (sides.Length == 2)
        {
            var o = sides[1];
            output = o.Contains("...") ? o.Replace("...", Dots(ellipsis)) : o;
            if (output.Any(c => c == '.' || !(char.IsAsciiLetter(c) || c >= 'α')) || output.Distinct().Count() != output.Length)
                throw new FormatException($"output '{sides[1]}' of equation '{text}' is invalid");
            foreach (var c in output)
                if (!inputs.Any(s => s.Contains(c))) throw new FormatException($"output letter '{c}' of equation '{text}' is in no operand");
            if (!o.Contains("...") && ellipsis > 0 && inputs.Any(s => s.Any(c => c >= 'α')))
                throw new FormatException($"equation '{text}' drops ellipsis axes; only explicit letters may be summed");
        }
        else
        {
            var counts = inputs.SelectMany(s => s).Where(char.IsAsciiLetter).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order();
            output = Dots(ellipsis) + new string(counts.ToArray());
        }
        return new EinsumEquation(text, inputs, output);
    }

    /// <summary>The size of every letter; 1-sized ellipsis axes broadcast.</summary>
    public Dictionary<char, int> Sizes(IReadOnlyList<int[]> shapes)
    {
        var sizes = new Dictionary<char, int>();
        for (int i = 0; i < Inputs.Length; i++)
            for (int a = 0; a < Inputs[i].Length; a++)
            {
                char c = Inputs[i][a];
                int d = shapes[i][a];
                if (!sizes.TryGetValue(c, out var known) || known == 1) sizes[c] = d;
                else if (d != known && d != 1)
                    throw new FormatException($"equation '{Text}': axis '{(c >= 'α' ? "..." : c.ToString())}' has sizes {known} and {d}");
            }
        return sizes;
    }

    /// <summary>Evaluates the equation on constants (sum over all letters not in the output).</summary>
    public Tensor<double> Evaluate(IReadOnlyList<Tensor<double>> operands)
    {
        var shapes = operands.Select(t => t.ShapeArray()).ToArray();
        var sizes = Sizes(shapes);
        var letters = Output.Concat(sizes.Keys.Where(c => !Output.Contains(c))).ToArray();
        var position = letters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var data = operands.Select(t => t.Contiguous().ToArray()).ToArray();
        // Per operand and letter position: the stride (0 where the operand lacks the letter or broadcasts it).
        var strides = new long[operands.Count][];
        for (int i = 0; i < operands.Count; i++)
        {
            strides[i] = new long[letters.Length];
            long s = 1;
            for (int a = Inputs[i].Length - 1; a >= 0; a--)
            {
                if (shapes[i][a] != 1) strides[i][position[Inputs[i][a]]] += s;
                s *= shapes[i][a];
            }
        }
        var outShape = Output.Select(c => sizes[c]).ToArray();
        var result = new double[Shapes.Size(outShape)];
        var index = new int[letters.Length];
        long total = letters.Aggregate(1L, (p, c) => p * sizes[c]);
        if (total > 1L << 28) throw new FormatException($"equation '{Text}' on constants needs {total} products");
        for (long step = 0; step < total; step++)
        {
            long rest = step, flat = 0, outSize = 1;
            for (int k = letters.Length - 1; k >= 0; k--)
            {
                int n = sizes[letters[k]];
                index[k] = (int)(rest % n);
                rest /= n;
            }
            for (int k = Output.Length - 1; k >= 0; k--) { flat += index[k] * outSize; outSize *= sizes[Output[k]]; }
            double product = 1;
            for (int i = 0; i < operands.Count; i++)
            {
                long offset = 0;
                for (int k = 0; k < letters.Length; k++) offset += index[k] * strides[i][k];
                product *= data[i][offset];
            }
            result[flat] += product;
        }
        return new Tensor<double>(result, outShape);
    }
}
