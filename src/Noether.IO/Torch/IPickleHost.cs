namespace Noether.IO.Torch;

/// <summary>
/// What a <see cref="PickleMachine"/> may do beyond building lists, tuples, dicts and scalars. Every method either
/// returns a plain value or throws <see cref="PickleException"/>: the host decides, nothing is ever executed.
/// </summary>
internal interface IPickleHost
{
    /// <summary>Resolves GLOBAL / STACK_GLOBAL (and INST / OBJ class names): an allowlisted name or a refusal.</summary>
    object FindGlobal(string module, string name);

    /// <summary>REDUCE / NEWOBJ: applies an allowlisted callable to its arguments.</summary>
    object? Call(object? callable, object?[] arguments);

    /// <summary>BINPERSID: the object a persistent id stands for (a storage).</summary>
    object PersistentLoad(object? id);

    /// <summary>BUILD: sets the state of an object built before (e.g. an OrderedDict's <c>_metadata</c>).</summary>
    void Build(object? target, object? state);
}
