using Noether.Tensors;

namespace Noether.Symmetry.Actions;

/// <summary>
/// The parameters a sequence of steps (one per symmetry factor) transforms, held in float64 only while needed: a
/// parameter is promoted to float64 when a step first reads it, actions on parameters not yet promoted are queued
/// and run when the parameter is read or finished, and after the last step that touches a parameter its final
/// values go to <c>finish</c> and the float64 copy is dropped. Each parameter therefore sees the same float64
/// operations in the same order as with every parameter promoted up front (results are bit-identical), while at
/// most the parameters of one step live in float64 at a time.
/// </summary>
internal sealed class ParameterWork
{
    private readonly Func<string, Func<int, Memory<double>>, Tensor<double>> _promote;
    private readonly Dictionary<string, double[]> _rented = new(StringComparer.Ordinal);
    private readonly List<double[]> _free = new();
    private readonly Action<string, Tensor<double>> _finish;
    private readonly Dictionary<string, Tensor<double>> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Func<Tensor<double>, Tensor<double>>>> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<string>> _endsAt = new();
    private readonly HashSet<string> _declared = new(StringComparer.Ordinal), _finished = new(StringComparer.Ordinal);

    /// <param name="promote">
    /// The float64 values of a parameter before any step, written into memory from the given allocator (see
    /// <see cref="Promote{T}"/>); buffers are reused once a parameter is finished, so large models do not leave a
    /// float64 copy of every tensor for the garbage collector.
    /// </param>
    /// <param name="finish">Receives each touched parameter's final values once no later step touches it.</param>
    /// <param name="steps">Per step, every parameter it may read or change.</param>
    public ParameterWork(Func<string, Func<int, Memory<double>>, Tensor<double>> promote, Action<string, Tensor<double>> finish, IReadOnlyList<IEnumerable<string>> steps)
    {
        _promote = promote;
        _finish = finish;
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < steps.Count; i++)
            foreach (var p in steps[i]) { last[p] = i; _declared.Add(p); }
        foreach (var (p, i) in last)
        {
            if (!_endsAt.TryGetValue(i, out var list)) _endsAt[i] = list = new();
            list.Add(p);
        }
    }

    /// <summary>The current float64 values of a parameter (promoted and brought up to date on first use).</summary>
    public Tensor<double> this[string name]
    {
        get
        {
            Check(name);
            if (_live.TryGetValue(name, out var t)) return t;
            t = _promote(name, length => Rent(name, length));
            if (_pending.Remove(name, out var queue)) foreach (var action in queue) t = action(t);
            return _live[name] = t;
        }
        set
        {
            Check(name);
            _pending.Remove(name);
            _live[name] = value;
        }
    }

    /// <summary>Transforms a parameter now if it is in float64, else when it is next read or finished.</summary>
    public void Act(string name, Func<Tensor<double>, Tensor<double>> action)
    {
        Check(name);
        if (_live.TryGetValue(name, out var t)) _live[name] = action(t);
        else
        {
            if (!_pending.TryGetValue(name, out var queue)) _pending[name] = queue = new();
            queue.Add(action);
        }
    }

    /// <summary>Finishes the parameters whose last step is <paramref name="step"/>.</summary>
    public void EndStep(int step)
    {
        if (!_endsAt.Remove(step, out var names)) return;
        foreach (var name in names)
        {
            if (_live.ContainsKey(name) || _pending.ContainsKey(name)) _finish(name, this[name]);
            _live.Remove(name);
            _finished.Add(name);
            // finish copied the values out and steps hold no views across steps, so the buffer is free again.
            if (_rented.Remove(name, out var buffer)) _free.Add(buffer);
        }
    }

    /// <summary>A <typeparamref name="T"/> tensor's values as float64 in memory from <paramref name="allocate"/> (exact: float64 holds every float and double).</summary>
    public static Tensor<double> Promote<T>(Tensor<T> source, Func<int, Memory<double>> allocate) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var src = source.Contiguous().Span;
        var memory = allocate(src.Length);
        var dst = memory.Span;
        for (int i = 0; i < src.Length; i++) dst[i] = double.CreateChecked(src[i]);
        return new Tensor<double>(memory, source.ShapeArray());
    }

    private Memory<double> Rent(string name, int length)
    {
        int best = -1;
        for (int i = 0; i < _free.Count; i++)
            if (_free[i].Length >= length && (best < 0 || _free[i].Length < _free[best].Length)) best = i;
        double[] buffer;
        if (best >= 0) { buffer = _free[best]; _free.RemoveAt(best); }
        else buffer = new double[length];
        _rented[name] = buffer;
        return buffer.AsMemory(0, length);
    }

    private void Check(string name)
    {
        if (!_declared.Contains(name)) throw new InvalidOperationException($"Parameter '{name}' is not declared by any step of this transformation");
        if (_finished.Contains(name)) throw new InvalidOperationException($"Parameter '{name}' was already finished by an earlier step");
    }
}

/// <summary>Checks that in-place transformations may write each parameter without changing another.</summary>
internal static class InPlaceGuard
{
    /// <summary>Throws when two of <paramref name="names"/> share storage (tied weights), which in place would both change.</summary>
    public static void RequireDistinctStorage<T>(Nn.Model<T> model, IEnumerable<string> names) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var owners = new Dictionary<object, string>(ReferenceEqualityComparer.Instance);
        foreach (var name in names.Distinct())
        {
            var storage = model[name].Storage;
            object? key = System.Runtime.InteropServices.MemoryMarshal.TryGetArray<T>(storage, out var segment) ? segment.Array
                : System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<T, System.Buffers.MemoryManager<T>>(storage, out var manager) ? manager : null;
            if (key is null) continue;
            if (!owners.TryAdd(key, name))
                throw new InvalidOperationException($"Parameters '{owners[key]}' and '{name}' share storage (tied weights), so they cannot be transformed in place; use the copying overload");
        }
    }
}
