using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.IO;

/// <summary>
/// Reads a value as a polynomial in at most two leaf values — X, and an optional fixed leaf T — by walking backwards
/// through elementwise arithmetic (scalar ±, ×, ÷, small integer powers, products and sums of equal shapes, negation)
/// whose values have one reader (claimed through a <see cref="SubgraphMatcher"/>). The first value that is no such
/// node becomes X unless X is given; any other leaf fails the read. Monomials are keyed by (power of X, power of T).
/// </summary>
internal sealed class ElementwisePolynomial(Graph graph, SubgraphMatcher matcher, string? x, string? t)
{
    private const int MaxDepth = 16, MaxDegree = 6;

    /// <summary>The X leaf (given, or found by the last read).</summary>
    public string? X { get; private set; } = x;

    /// <summary>The polynomial of <paramref name="value"/>, or null when it is not one in X and T.</summary>
    public Dictionary<(int X, int T), double>? Read(string value) => Read(value, 0);

    private Dictionary<(int X, int T), double>? Read(string value, int depth)
    {
        if (value == t) return new() { [(0, 1)] = 1 };
        if (value == X) return new() { [(1, 0)] = 1 };
        var p = graph.Producer(value);
        if (depth < MaxDepth && p is not null && IsArithmetic(p) && matcher.Inner(value, _ => true) is not null) return ReadNode(p, depth);
        if (X is null && t != value) { X = value; return new() { [(1, 0)] = 1 }; }
        return null;
    }

    /// <summary>
    /// The polynomial computed by <paramref name="root"/>, the end of a pattern: its own value may have any readers
    /// (it is not claimed), its inputs are read as in <see cref="Read(string)"/>.
    /// </summary>
    public Dictionary<(int X, int T), double>? ReadRoot(Node root) => IsArithmetic(root) ? ReadNode(root, 0) : null;

    private Dictionary<(int X, int T), double>? ReadNode(Node p, int depth)
    {
        var a = Read(p.Inputs[0], depth + 1);
        var b = p.Inputs.Count > 1 ? Read(p.Inputs[1], depth + 1) : null;
        if (a is null || p.Inputs.Count > 1 && b is null) return null;
        return p.Op switch
        {
            ScalarBinaryOp s => Scalar(s, a),
            ElementwiseUnaryOp => Scale(a, -1),
            ElementwiseBinaryOp { Function: BinaryFunction.Mul } => Times(a, b!),
            ElementwiseBinaryOp { Function: BinaryFunction.Sub } => Plus(a, Scale(b!, -1)),
            _ => Plus(a, b!),
        };
    }

    private bool IsArithmetic(Node p)
    {
        bool sameShapes = p.Inputs.All(i => graph.ShapeOf(i).SequenceEqual(graph.ShapeOf(p.Name)));
        return sameShapes && p.Op switch
        {
            ScalarBinaryOp { Function: BinaryFunction.Add or BinaryFunction.Sub or BinaryFunction.Mul } => true,
            ScalarBinaryOp { Function: BinaryFunction.Div, ScalarFirst: false, Scalar: not 0 } => true,
            ScalarBinaryOp { Function: BinaryFunction.Pow, ScalarFirst: false, Scalar: var e } => e >= 1 && e <= 4 && e == Math.Floor(e),
            ElementwiseUnaryOp { Function: UnaryFunction.Neg } => true,
            ElementwiseBinaryOp { Function: BinaryFunction.Add or BinaryFunction.Sub or BinaryFunction.Mul } or AddOp => true,
            _ => false,
        };
    }

    private static Dictionary<(int X, int T), double>? Scalar(ScalarBinaryOp s, Dictionary<(int X, int T), double> a) => s.Function switch
    {
        BinaryFunction.Mul => Scale(a, s.Scalar),
        BinaryFunction.Div => Scale(a, 1 / s.Scalar),
        BinaryFunction.Add => Plus(a, new() { [(0, 0)] = s.Scalar }),
        BinaryFunction.Sub => s.ScalarFirst ? Plus(Scale(a, -1), new() { [(0, 0)] = s.Scalar }) : Plus(a, new() { [(0, 0)] = -s.Scalar }),
        _ => Power(a, (int)s.Scalar),
    };

    private static Dictionary<(int X, int T), double> Scale(Dictionary<(int X, int T), double> a, double c) => a.ToDictionary(kv => kv.Key, kv => kv.Value * c);

    private static Dictionary<(int X, int T), double> Plus(Dictionary<(int X, int T), double> a, Dictionary<(int X, int T), double> b)
    {
        var r = new Dictionary<(int X, int T), double>(a);
        foreach (var (k, v) in b) r[k] = r.GetValueOrDefault(k) + v;
        return r;
    }

    private static Dictionary<(int X, int T), double>? Times(Dictionary<(int X, int T), double> a, Dictionary<(int X, int T), double> b)
    {
        var r = new Dictionary<(int X, int T), double>();
        foreach (var (ka, va) in a)
            foreach (var (kb, vb) in b)
            {
                var k = (ka.X + kb.X, ka.T + kb.T);
                if (k.Item1 + k.Item2 > MaxDegree) return null;
                r[k] = r.GetValueOrDefault(k) + va * vb;
            }
        return r;
    }

    private static Dictionary<(int X, int T), double>? Power(Dictionary<(int X, int T), double> a, int e)
    {
        Dictionary<(int X, int T), double>? r = new() { [(0, 0)] = 1 };
        for (int i = 0; i < e && r is not null; i++) r = Times(r, a);
        return r;
    }

    /// <summary>True when <paramref name="p"/> equals <paramref name="expected"/> coefficient by coefficient within a relative tolerance.</summary>
    public static bool Matches(Dictionary<(int X, int T), double> p, Dictionary<(int X, int T), double> expected, double tolerance = 1e-6)
        => p.Keys.Union(expected.Keys).All(k =>
        {
            double a = p.GetValueOrDefault(k), b = expected.GetValueOrDefault(k);
            return Math.Abs(a - b) <= tolerance * Math.Max(Math.Abs(b), 1e-12) + (b == 0 ? 1e-12 : 0);
        });
}
