namespace Noether.Symmetry.Derivation;

/// <summary>Disjoint sets over strings with path compression.</summary>
internal sealed class UnionFind
{
    private readonly Dictionary<string, string> _parent;

    public UnionFind(int capacity = 0) => _parent = new(capacity, StringComparer.Ordinal);

    public void Add(string x) => _parent.TryAdd(x, x);

    public string Find(string x)
    {
        var root = x;
        while (_parent[root] != root) root = _parent[root];
        while (_parent[x] != root) (_parent[x], x) = (root, _parent[x]);
        return root;
    }

    public void Union(string a, string b)
    {
        var ra = Find(a); var rb = Find(b);
        if (ra != rb) _parent[rb] = ra;
    }
}
