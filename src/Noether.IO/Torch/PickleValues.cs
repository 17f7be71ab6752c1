using System.Numerics;

namespace Noether.IO.Torch;

/// <summary>A Python tuple: immutable, compared by value (it can be a dict key).</summary>
internal sealed class PyTuple(object?[] items) : IEquatable<PyTuple>
{
    public object?[] Items { get; } = items;

    public bool Equals(PyTuple? other) => other is not null && Items.Length == other.Items.Length
        && Items.Zip(other.Items).All(p => PyKeyComparer.Instance.Equals(p.First, p.Second));

    public override bool Equals(object? obj) => Equals(obj as PyTuple);

    public override int GetHashCode() => Items.Aggregate(17, (h, v) => h * 31 + PyKeyComparer.Instance.GetHashCode(v!));
}

/// <summary>A Python dict (or OrderedDict): insertion-ordered, keys compared as Python compares them.</summary>
internal sealed class PyDict
{
    public OrderedDictionary<object, object?> Items { get; } = new(PyKeyComparer.Instance);
}

/// <summary>A module-level name from the allowlist; pickles call these (REDUCE) to rebuild objects.</summary>
internal sealed record PyGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A storage named by the pickle's persistent id: its element type and the archive member holding it.</summary>
internal sealed record TorchStorageRef(string Key, Internal.ElementKind Kind, string TypeName, long Numel);

/// <summary>A tensor rebuilt by <c>_rebuild_tensor_v2</c>: a strided view of a storage.</summary>
internal sealed record TorchTensorView(TorchStorageRef Storage, long Offset, long[] Size, long[] Stride);

/// <summary>Equality of dict keys: strings, integers (bool is 0/1 as in Python), floats, bytes, None, tuples.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? a, object? b) => (Normalize(a), Normalize(b)) switch
    {
        (null, null) => true,
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (var x, var y) => x is not null && x.Equals(y),
    };

    public int GetHashCode(object? o) => Normalize(o) switch
    {
        null => 0,
        byte[] b => b.Length,
        var x => x.GetHashCode(),
    };

    private static object? Normalize(object? o) => o switch
    {
        bool b => new BigInteger(b ? 1 : 0),
        long l => new BigInteger(l),
        _ => o,
    };
}
