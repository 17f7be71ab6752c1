using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn;

/// <summary>
/// Serialises a <see cref="Graph"/> to JSON and back, so a weights file can carry its architecture. Each op is written
/// as its kind plus the arguments of its primary constructor (op records are their attributes), so every op
/// defined as a record in this assembly — or registered with <see cref="Register"/> — round-trips without extra code.
/// </summary>
public static partial class GraphJson
{
    /// <summary>Schema version written into every document.</summary>
    public const int FormatVersion = 1;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Type> s_kinds = new(typeof(Op).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Op)) && !t.IsAbstract)
        .ToDictionary(t => KindOf(t), t => t));

    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = false, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Registers an op type defined outside this assembly (e.g. by an importer).</summary>
    public static void Register<TOp>() where TOp : Op
    {
        s_kinds[KindOf(typeof(TOp))] = typeof(TOp);
    }

    private static string KindOf(Type t) => t.Name.EndsWith("Op") ? t.Name[..^2] : t.Name;

    /// <summary>The graph as a JSON document.</summary>
    public static string Serialize(Graph graph)
    {
        var doc = new JsonObject
        {
            ["format"] = "noether.graph",
            ["version"] = FormatVersion,
            ["name"] = graph.Name,
            ["inputs"] = new JsonArray(graph.Inputs.Select(Input).ToArray()),
            ["nodes"] = new JsonArray(graph.Nodes.Select(n => (JsonNode)new JsonObject
            {
                ["name"] = n.Name,
                ["op"] = KindOf(n.Op.GetType()),
                ["args"] = Arguments(n.Op, n.Name),
                ["inputs"] = new JsonArray(n.Inputs.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()),
            }).ToArray()),
            ["outputs"] = new JsonArray(graph.Outputs.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()),
        };
        return doc.ToJsonString(s_options);
    }

    /// <summary>
    /// Rebuilds a graph; every problem is reported with the node it concerns. A malformed document (wrong JSON types,
    /// null or non-integer sizes, invalid op arguments) throws <see cref="FormatException"/>, an unknown op
    /// <see cref="NotSupportedException"/>, a graph whose shapes do not fit <see cref="ArgumentException"/>
    /// (<see cref="ShapeMismatchException"/>) — always one line, never another exception type.
    /// </summary>
    public static Graph Deserialize(string json) => Deserialize(json, default);

    /// <summary>
    /// Rebuilds a graph as <see cref="Deserialize(string)"/> does, stopping with <see cref="OperationCanceledException"/>
    /// between nodes when <paramref name="cancel"/> is cancelled (a graph of hundreds of thousands of nodes takes seconds).
    /// </summary>
    public static Graph Deserialize(string json, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        var options = new JsonDocumentOptions { MaxDepth = 256, AllowDuplicateProperties = false };
        try { document = JsonDocument.Parse(json, options); }
        catch (JsonException e) { throw new FormatException($"architecture JSON is malformed: {OneLine(e.Message)}"); }
        using (document)
        {
            var doc = document.RootElement;
            if (doc.ValueKind != JsonValueKind.Object) throw new FormatException("the architecture is not a JSON object");
            return Read(doc, cancel);
        }
    }

    private static Graph Read(JsonElement doc, CancellationToken cancel)
    {
        if (Text(Field(doc, "format"), "\"format\"") != "noether.graph") throw new FormatException("architecture JSON lacks \"format\": \"noether.graph\"");
        if (Integer(Field(doc, "version"), "\"version\"") is not int v || v < 1 || v > FormatVersion)
            throw new FormatException($"architecture JSON version {OneLine(Field(doc, "version")?.GetRawText() ?? "null")} is not supported (this build reads 1 to {FormatVersion})");
        var inputs = new List<InputSpec>();
        foreach (var i in Required(doc, "inputs", "graph", JsonValueKind.Array).EnumerateArray())
        {
            if (i.ValueKind != JsonValueKind.Object) throw new FormatException("an input is not a JSON object");
            string name = Text(Field(i, "name"), "an input's \"name\"") ?? throw new FormatException("an input lacks a name");
            string where = $"input '{OneLine(name)}'";
            var shape = Required(i, "shape", where, JsonValueKind.Array).EnumerateArray().Select((d, k) => Integer(d, $"{where}: \"shape\"[{k}]") is int n && n >= 0
                ? n : throw new FormatException($"{where}: \"shape\"[{k}] is {OneLine(d.GetRawText())}, not a size (a non-negative integer)")).ToArray();
            var symbols = Field(i, "symbols") is not { } sy ? (JsonElement?)null
                : sy.ValueKind == JsonValueKind.Array ? sy : throw new FormatException($"{where}: \"symbols\" is not an array");
            if (symbols is { } arr && arr.GetArrayLength() != shape.Length) throw new FormatException($"{where}: {arr.GetArrayLength()} symbols for shape {Shapes.Format(shape)}");
            inputs.Add(new InputSpec(name, shape)
            {
                ElementType = Text(Field(i, "type"), $"{where}: \"type\""),
                BatchAxis = Integer(Field(i, "batch_axis"), $"{where}: \"batch_axis\"") ?? 0,
                Symbols = symbols?.EnumerateArray().Select((s, k) => Text(s, $"{where}: \"symbols\"[{k}]")).ToArray(),
            });
        }
        var nodes = new List<Node>();
        // Deep graphs repeat a few distinct ops many times: an op is built once per (kind, arguments) and shared
        // (ops are immutable values).
        var built = new Dictionary<(Type, string), Op>();
        foreach (var obj in Required(doc, "nodes", "graph", JsonValueKind.Array).EnumerateArray())
        {
            if ((nodes.Count & 1023) == 0) cancel.ThrowIfCancellationRequested();
            if (obj.ValueKind != JsonValueKind.Object) throw new FormatException("a node is not a JSON object");
            string name = Text(Field(obj, "name"), "a node's \"name\"") ?? throw new FormatException("a node lacks a name");
            string kind = Text(Field(obj, "op"), $"node '{OneLine(name)}': \"op\"") ?? throw new FormatException($"node '{OneLine(name)}' lacks an op");
            if (!s_kinds.TryGetValue(kind, out var type)) throw new NotSupportedException($"node '{OneLine(name)}': unknown op '{OneLine(kind)}'");
            var args = Field(obj, "args") is not { } a ? default
                : a.ValueKind == JsonValueKind.Object ? a : throw new FormatException($"node '{OneLine(name)}': \"args\" is not an object");
            var key = (type, args.ValueKind == JsonValueKind.Undefined ? "" : args.GetRawText());
            if (!built.TryGetValue(key, out var op)) built[key] = op = Construct(type, args, OneLine(name));
            var ins = Required(obj, "inputs", $"node '{OneLine(name)}'", JsonValueKind.Array);
            var names = new string[ins.GetArrayLength()];
            int k = 0;
            foreach (var x in ins.EnumerateArray())
            {
                names[k] = Text(x, $"node '{OneLine(name)}': \"inputs\"[{k}]") ?? throw new FormatException($"node '{OneLine(name)}': \"inputs\"[{k}] is null");
                k++;
            }
            nodes.Add(new Node(name, op, names));
        }
        var outputs = Required(doc, "outputs", "graph", JsonValueKind.Array).EnumerateArray().Select((o, k) => Text(o, $"\"outputs\"[{k}]")
            ?? throw new FormatException($"\"outputs\"[{k}] is null")).ToArray();
        try { return new Graph(inputs, nodes, outputs, Text(Field(doc, "name"), "the graph's \"name\"") ?? "model", cancel); }
        catch (ArgumentException e) when (e.Message.Any(char.IsControl))
        {
            throw new ArgumentException(OneLine(e.Message, 2000), e); // names from the file may hold newlines
        }
    }

    /// <summary>A property of an object, null when absent or JSON null.</summary>
    private static JsonElement? Field(JsonElement o, string key)
        => o.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    /// <summary>A string value, null when absent; anything else is a <see cref="FormatException"/>.</summary>
    private static string? Text(JsonElement? node, string what) => node switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        { ValueKind: JsonValueKind.Null } => null,
        { } other => throw new FormatException($"{what} is {OneLine(other.GetRawText())}, not a string"),
    };

    /// <summary>A 32-bit integer value, null when absent; fractions, strings and out-of-range numbers are a <see cref="FormatException"/>.</summary>
    private static int? Integer(JsonElement? node, string what)
    {
        if (node is not { } v || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        throw new FormatException($"{what} is {OneLine(v.GetRawText())}, not a 32-bit integer");
    }

    /// <summary>Text from a file, shortened and with control characters escaped, for a one-line message.</summary>
    private static string OneLine(string text, int max = 120)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var ch in text.Length > max ? text[..max] + "…" : text)
            sb.Append(char.IsControl(ch) ? $"\\u{(int)ch:x4}" : ch);
        return sb.ToString();
    }

    private static JsonNode Input(InputSpec i)
    {
        var o = new JsonObject { ["name"] = i.Name, ["shape"] = ToArray(i.Shape) };
        if (i.ElementType is not null) o["type"] = i.ElementType;
        if (i.BatchAxis != 0) o["batch_axis"] = i.BatchAxis;
        if (i.Symbols is not null) o["symbols"] = new JsonArray(i.Symbols.Select(s => (JsonNode?)(s is null ? null : JsonValue.Create(s))).ToArray());
        return o;
    }

    private static JsonElement Required(JsonElement o, string key, string where, JsonValueKind kind)
        => Field(o, key) switch
        {
            null => throw new FormatException($"{where} lacks \"{key}\""),
            { } t when t.ValueKind == kind => t,
            { } other => throw new FormatException($"{where}: \"{key}\" is {OneLine(other.GetRawText())}, not {(kind == JsonValueKind.Array ? "an array" : "an object")}"),
        };

    private static JsonArray ToArray(int[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, ConstructorInfo> s_constructors = new();

    /// <summary>The op type's primary constructor, looked up once per type (graphs repeat a few op types many times).</summary>
    private static ConstructorInfo PrimaryConstructor(Type t) => s_constructors.GetOrAdd(t, FindPrimaryConstructor);

    private static ConstructorInfo FindPrimaryConstructor(Type t)
        => t.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First(c => !(c.GetParameters().Length == 1 && c.GetParameters()[0].ParameterType == t));

    private static JsonObject Arguments(Op op, string node)
    {
        var args = new JsonObject();
        foreach (var p in PrimaryConstructor(op.GetType()).GetParameters())
        {
            var prop = op.GetType().GetProperty(p.Name!) ?? throw new NotSupportedException($"node '{node}': {op.Kind} has no property for argument '{p.Name}'");
            var value = prop.GetValue(op);
            // An optional argument left at null (e.g. a Linear's Frozen) is omitted: older documents read the same.
            if (value is null && p.HasDefaultValue && p.DefaultValue is null) continue;
            args[p.Name!] = value switch
            {
                CustomActivation c => throw new NotSupportedException($"node '{node}': the custom activation '{c.Name}' cannot be saved; rebuild the graph in code and load only its weights"),
                Activation a => JsonValue.Create(a.Name),
                _ => JsonSerializer.SerializeToNode(value, prop.PropertyType, s_options),
            };
        }
        return args;
    }

    private static Op Construct(Type type, JsonElement args, string node)
    {
        var ctor = PrimaryConstructor(type);
        var values = ctor.GetParameters().Select(p =>
        {
            var raw = args.ValueKind == JsonValueKind.Object ? Field(args, p.Name!) : null;
            if (raw is not { } value)
                return p.HasDefaultValue ? p.DefaultValue : throw new FormatException($"node '{node}': {KindOf(type)} lacks argument '{p.Name}'");
            try
            {
                return p.ParameterType == typeof(Activation) ? Activation.Parse(value.GetString()!) : value.Deserialize(p.ParameterType, s_options);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or NotSupportedException)
            {
                throw new FormatException($"node '{node}': argument '{p.Name}' of {KindOf(type)} is invalid ({OneLine(e.Message)})");
            }
        }).ToArray();
        try { return (Op)ctor.Invoke(values); }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            throw new FormatException($"node '{node}': {KindOf(type)} arguments are invalid ({OneLine(e.InnerException.Message)})", e.InnerException);
        }
    }
}
