namespace Noether.Cli;

/// <summary>
/// Binds <c>--input</c> values to a model's inputs: <c>NAME=FILE</c> binds by name, a bare <c>FILE</c> takes the
/// next input not bound by name, in the model's order. Every input must be bound exactly once.
/// </summary>
internal static class InputBinding
{
    /// <summary>The help text shared by the verbs that take <c>--input</c>.</summary>
    public const string Help = "A .npy array per model input: repeat --input for several inputs; FILE binds the inputs in order, NAME=FILE binds input NAME (the two forms mix: named first, the rest in order).";

    /// <summary>
    /// Binds files to a graph-IR model's inputs: by the file's own input names for an .onnx model (the IR may have
    /// sanitised them; the IR names are accepted too), else by the IR names.
    /// </summary>
    public static string[] BindGraph(string model, IReadOnlyList<Noether.Nn.InputSpec> inputs, IReadOnlyList<string> values)
    {
        var irNames = inputs.Select(i => i.Name).ToArray();
        var names = Path.GetExtension(model).Equals(".onnx", StringComparison.OrdinalIgnoreCase) ? Noether.IO.ModelFileInfo.OnnxInputNames(model) : irNames;
        return Bind(model, names.Count == irNames.Length ? names : irNames, values, irNames);
    }

    /// <summary>
    /// Returns, for each input in <paramref name="names"/> order, its file. <paramref name="aliases"/> optionally
    /// gives a second accepted name per input (the graph IR's name of an ONNX input).
    /// </summary>
    public static string[] Bind(string model, IReadOnlyList<string> names, IReadOnlyList<string> values, IReadOnlyList<string>? aliases = null)
    {
        int Index(string name)
        {
            for (int i = 0; i < names.Count; i++)
                if (names[i] == name || (aliases is not null && aliases[i] == name)) return i;
            return -1;
        }
        var bound = new string?[names.Count];
        var positional = new List<string>();
        foreach (var v in values)
        {
            int eq = v.IndexOf('=');
            int index = eq > 0 ? Index(v[..eq]) : -1;
            if (index < 0)
            {
                if (eq > 0 && !File.Exists(v))
                    throw new ArgumentException($"--input {v}: {model} has no input named '{v[..eq]}'; its inputs are {string.Join(", ", names)}");
                positional.Add(v);
                continue;
            }
            if (bound[index] is not null) throw new ArgumentException($"--input {v}: input '{names[index]}' of {model} is already bound to {bound[index]}");
            bound[index] = v[(eq + 1)..];
        }
        int next = 0;
        foreach (var file in positional)
        {
            while (next < bound.Length && bound[next] is not null) next++;
            if (next == bound.Length)
                throw new ArgumentException($"{model} takes {names.Count} input(s) ({string.Join(", ", names)}), got {values.Count} --input file(s)");
            bound[next] = file;
        }
        var missing = names.Where((_, i) => bound[i] is null).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"{model} takes {names.Count} input(s) ({string.Join(", ", names)}); no --input for {string.Join(", ", missing)}");
        foreach (var f in bound)
            if (!File.Exists(f)) throw new FileNotFoundException($"Input array not found: {f}", f);
        return bound!;
    }
}
