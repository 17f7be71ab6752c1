using Noether.IO.Internal;
using Noether.IO.Torch;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Reads PyTorch state dicts saved by <c>torch.save</c> (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>; the zip format of
/// PyTorch ≥ 1.6) without Python and without executing anything: the pickle runs on a data-only machine whose only
/// globals are OrderedDict, the tensor rebuilds and the storage types, and any other global is refused by name.
/// Nested dicts (<c>{"state_dict": {...}, "epoch": 3}</c>) are flattened with dotted names; values other than tensors
/// (epochs, notes, optimizer hyper-parameters) are skipped. Views are resolved against their storage, bounds checked.
/// </summary>
public sealed class TorchStateDict
{
    /// <summary>File extensions read as PyTorch files.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".pt", ".pth", ".bin"];

    private const int MaxDepth = 64;
    private const int MaxVisits = 1_000_000;
    private readonly OrderedDictionary<string, TorchTensor> _tensors;

    private TorchStateDict(string path, OrderedDictionary<string, TorchTensor> tensors)
    {
        Path = path;
        _tensors = tensors;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The tensors in file order.</summary>
    public IReadOnlyList<TorchTensor> Tensors => _tensors.Values.ToList();

    /// <summary>True when a tensor of that (dotted) name exists.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The tensor of that (dotted) name.</summary>
    public TorchTensor this[string name] => _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Path}: no tensor '{name}'");

    /// <summary>True when <paramref name="path"/> has a PyTorch extension (<see cref="Extensions"/>).</summary>
    public static bool IsTorchPath(string path) => Extensions.Contains(System.IO.Path.GetExtension(path).ToLowerInvariant());

    /// <summary>Reads every tensor of a torch.save file; any problem is a one-line <see cref="TorchFormatException"/>.</summary>
    public static TorchStateDict Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var archive = TorchArchive.Open(path);
        var (views, host) = Unpickle(path, archive);
        var tensors = new OrderedDictionary<string, TorchTensor>(StringComparer.Ordinal);
        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long stored = 0; // saturating: numel is at most 2^59 (see TorchPickleHost), so no product overflows
        foreach (var s in host.Storages.Values) stored = Math.Min(stored + s.Numel * s.Kind.Size(), long.MaxValue / 4);
        long budget = 2 * stored + (16L << 20), used = 0;
        foreach (var (name, view) in views)
        {
            if (tensors.ContainsKey(name)) throw new TorchFormatException(path, $"two tensors flatten to the name '{PickleMachine.Printable(name)}'");
            var s = view.Storage;
            if (!storages.TryGetValue(s.Key, out var bytes))
                storages[s.Key] = bytes = archive.ReadStorage(s.Key, s.Numel * s.Kind.Size(), name);
            var t = TorchViews.Materialise(path, name, view, bytes, archive.BigEndian);
            used += t.Shape.Aggregate(1L, (a, d) => a * d) * s.Kind.Size();
            if (used > budget)
                throw new TorchFormatException(path, $"tensor '{PickleMachine.Printable(name)}' {Shapes.Format(t.Shape)}: the views ask for more than {budget} bytes, twice the storages' size (overlapping views)");
            tensors.Add(name, t);
        }
        return new TorchStateDict(path, tensors);
    }

    /// <summary>The element types (<see cref="TorchTensor.DType"/>) of the file's tensors, from the pickle alone: no storage is read.</summary>
    public static IReadOnlyList<string> DTypes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var archive = TorchArchive.Open(path);
        return Unpickle(path, archive).Views.Select(v => v.View.Storage.TypeName).ToArray();
    }

    /// <summary>Runs the pickle and flattens its dict into named tensor views.</summary>
    private static (List<(string Name, TorchTensorView View)> Views, TorchPickleHost Host) Unpickle(string path, TorchArchive archive)
    {
        var host = new TorchPickleHost();
        object? root;
        try { root = new PickleMachine(archive.ReadPickle(), host).Run(); }
        catch (PickleException e) { throw new TorchFormatException(path, e.Message, e); }
        if (root is not PyDict dict) throw new TorchFormatException(path, $"the file holds {PickleMachine.Describe(root)}, not a dict of tensors");
        var views = new List<(string Name, TorchTensorView View)>();
        int visits = 0;
        Flatten(path, "", dict, 0, views, ref visits);
        return (views, host);
    }

    private static void Flatten(string path, string prefix, object? value, int depth, List<(string, TorchTensorView)> views, ref int visits)
    {
        if (++visits > MaxVisits) throw new TorchFormatException(path, $"the pickle's containers have more than {MaxVisits} entries (shared or cyclic references)");
        switch (value)
        {
            case TorchTensorView v:
                views.Add((prefix, v));
                return;
            case PyDict or List<object?> or PyTuple when depth >= MaxDepth:
                throw new TorchFormatException(path, $"'{PickleMachine.Printable(prefix)}' is nested more than {MaxDepth} deep (or refers to itself)");
            case PyDict d:
                foreach (var (k, item) in d.Items)
                    if (k is string or long) Flatten(path, Join(prefix, k.ToString()!), item, depth + 1, views, ref visits);
                return;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) Flatten(path, Join(prefix, i.ToString()), list[i], depth + 1, views, ref visits);
                return;
            case PyTuple tuple:
                for (int i = 0; i < tuple.Items.Length; i++) Flatten(path, Join(prefix, i.ToString()), tuple.Items[i], depth + 1, views, ref visits);
                return;
        }
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";
}
