using Noether.IO.Internal;

namespace Noether.IO.Torch;

/// <summary>
/// The allowlist of a PyTorch state dict's pickle: <c>collections.OrderedDict</c>, the tensor and parameter rebuild
/// functions of <c>torch._utils</c>, and the storage classes (which only name an element type). Any other global is
/// refused where the pickle names it, with the name in the message; calling an allowed name that is not a rebuild
/// function (a storage class, say) is refused too. Nothing is ever executed.
/// </summary>
internal sealed class TorchPickleHost : IPickleHost
{
    private static readonly Dictionary<string, (ElementKind Kind, string DType)> s_storages = new()
    {
        ["FloatStorage"] = (ElementKind.F32, "float32"),
        ["DoubleStorage"] = (ElementKind.F64, "float64"),
        ["HalfStorage"] = (ElementKind.F16, "float16"),
        ["BFloat16Storage"] = (ElementKind.BF16, "bfloat16"),
        ["LongStorage"] = (ElementKind.I64, "int64"),
        ["IntStorage"] = (ElementKind.I32, "int32"),
        ["ShortStorage"] = (ElementKind.I16, "int16"),
        ["CharStorage"] = (ElementKind.I8, "int8"),
        ["ByteStorage"] = (ElementKind.U8, "uint8"),
        ["BoolStorage"] = (ElementKind.Bool, "bool"),
        ["UntypedStorage"] = (ElementKind.U8, "uint8"),
    };

    private static readonly HashSet<string> s_functions =
    [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    ];

    /// <summary>Largest storage declared (elements): 2^59, so sizes in bytes never overflow.</summary>
    public const long MaxNumel = 1L << 59;

    private readonly Dictionary<string, TorchStorageRef> _storages = new(StringComparer.Ordinal);

    /// <summary>The storages the pickle referred to, by archive key.</summary>
    public IReadOnlyDictionary<string, TorchStorageRef> Storages => _storages;

    public object FindGlobal(string module, string name)
    {
        var full = $"{module}.{name}";
        if (s_functions.Contains(full)) return new PyGlobal(module, name);
        if ((module == "torch" || module == "torch.storage") && s_storages.ContainsKey(name)) return new PyGlobal(module, name);
        throw new PickleException($"refusing the pickle global '{PickleMachine.Printable(full)}': a state dict may only name tensor rebuilds, storages and OrderedDict (nothing was executed)");
    }

    public object? Call(object? callable, object?[] args)
    {
        if (callable is not PyGlobal g || !s_functions.Contains(g.FullName))
            throw new PickleException($"refusing to call {PickleMachine.Describe(callable)}: only OrderedDict and the torch._utils tensor rebuilds may be called (nothing was executed)");
        switch (g.Name)
        {
            case "OrderedDict":
                var d = new PyDict();
                if (args.Length > 0 && args[0] is List<object?> pairs) // OrderedDict([(k, v), ...])
                    foreach (var p in pairs)
                        if (p is PyTuple { Items.Length: 2 } kv && kv.Items[0] is { } key and not List<object?> and not PyDict) d.Items[key] = kv.Items[1];
                        else throw new PickleException("OrderedDict(...) with an item that is not a (key, value) pair");
                else if (args.Length > 0) throw new PickleException("OrderedDict(...) with arguments other than a list of pairs");
                return d;
            case "_rebuild_tensor_v2":
                return RebuildTensor(args);
            default: // _rebuild_parameter(data, requires_grad, hooks[, state]): the tensor itself
                if (args.Length is < 3 or > 4 || args[0] is not TorchTensorView t)
                    throw new PickleException($"{g.FullName} expects (tensor, requires_grad, hooks), got {args.Length} arguments");
                return t;
        }
    }

    private static TorchTensorView RebuildTensor(object?[] args)
    {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.Length is < 6 or > 7) throw new PickleException($"_rebuild_tensor_v2 expects 6 or 7 arguments, got {args.Length}");
        if (args[0] is not TorchStorageRef storage) throw new PickleException($"_rebuild_tensor_v2 expects a storage, got {PickleMachine.Describe(args[0])}");
        long offset = Integer(args[1], "storage_offset");
        var size = Integers(args[2], "size");
        var stride = Integers(args[3], "stride");
        if (size.Length != stride.Length) throw new PickleException($"tensor size has {size.Length} axes but stride {stride.Length}");
        return new TorchTensorView(storage, offset, size, stride);
    }

    private static long Integer(object? v, string what) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new PickleException($"tensor {what} is {PickleMachine.Describe(v)}, not an integer"),
    };

    private static long[] Integers(object? v, string what)
        => v is PyTuple t ? t.Items.Select(i => Integer(i, what)).ToArray() : throw new PickleException($"tensor {what} is {PickleMachine.Describe(v)}, not a tuple");

    public object PersistentLoad(object? id)
    {
        // ('storage', storage_type, key, location, numel)
        if (id is not PyTuple { Items: ["storage", PyGlobal type, string key, _, long numel] })
            throw new PickleException($"unexpected persistent id {PickleMachine.Describe(id)}; expected ('storage', type, key, location, numel)");
        if (!s_storages.TryGetValue(type.Name, out var kind)) throw new PickleException($"'{type.FullName}' is not a storage type");
        if (numel < 0 || numel > MaxNumel) throw new PickleException($"storage '{PickleMachine.Printable(key)}' declares {numel} elements");
        if (_storages.TryGetValue(key, out var seen))
        {
            if (seen.Kind != kind.Kind || seen.Numel != numel)
                throw new PickleException($"storage '{PickleMachine.Printable(key)}' is declared twice, as {seen.TypeName}[{seen.Numel}] and {kind.DType}[{numel}]");
            return seen;
        }
        return _storages[key] = new TorchStorageRef(key, kind.Kind, kind.DType, numel);
    }

    public void Build(object? target, object? state)
    {
        // OrderedDict.__reduce__ sets its __dict__ (a state dict's _metadata) by BUILD; the state is not needed.
        if (target is PyDict && state is PyDict or null) return;
        throw new PickleException($"refusing BUILD on {PickleMachine.Describe(target)}: only an OrderedDict's attributes may be set");
    }
}
