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
public static class GraphJson
{
    /// <summary>Schema version written into every document.</summary>
    public const int FormatVersion = 1;

    private static readonly Dictionary<string, Type> s_kinds = typeof(Op).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Op)) && !t.IsAbstract)
        .ToDictionary(t => KindOf(t), t => t);

    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = false, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Registers an op type defined outside this assembly (e.g. by an importer).</summary>
    public static void Register<TOp>() where TOp : Op
    {
        lock (s_kinds) s_kinds[KindOf(typeof(TOp))] = typeof(TOp);
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

    /// <summary>Rebuilds a graph; every problem is reported with the node it concerns.</summary>
    public static Graph Deserialize(string json)
    {
        JsonObject doc;
        try { doc = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("the architecture is not a JSON object"); }
        catch (JsonException e) { throw new FormatException($"architecture JSON is malformed: {e.Message}"); }
        if ((string?)doc["format"] != "noether.graph") throw new FormatException("architecture JSON lacks \"format\": \"noether.graph\"");
        if ((int?)doc["version"] is not int v || v > FormatVersion) throw new FormatException($"architecture JSON version {doc["version"]} is not supported (this build reads up to {FormatVersion})");
        var inputs = Required<JsonArray>(doc, "inputs", "graph").Select(i => new InputSpec(
            (string?)i?["name"] ?? throw new FormatException("an input lacks a name"),
            Required<JsonArray>(i!.AsObject(), "shape", "input").Select(d => (int)d!).ToArray())
        {
            ElementType = (string?)i["type"],
            BatchAxis = (int?)i["batch_axis"] ?? 0,
            Symbols = (i["symbols"] as JsonArray)?.Select(s => (string?)s).ToArray(),
        }).ToList();
        var nodes = new List<Node>();
        foreach (var n in Required<JsonArray>(doc, "nodes", "graph"))
        {
            var obj = n as JsonObject ?? throw new FormatException("a node is not a JSON object");
            string name = (string?)obj["name"] ?? throw new FormatException("a node lacks a name");
            string kind = (string?)obj["op"] ?? throw new FormatException($"node '{name}' lacks an op");
            Type type;
            lock (s_kinds) if (!s_kinds.TryGetValue(kind, out type!)) throw new NotSupportedException($"node '{name}': unknown op '{kind}'");
            var op = Construct(type, obj["args"] as JsonObject ?? new JsonObject(), name);
            nodes.Add(new Node(name, op, Required<JsonArray>(obj, "inputs", $"node '{name}'").Select(i => (string)i!).ToArray()));
        }
        var outputs = Required<JsonArray>(doc, "outputs", "graph").Select(o => (string)o!).ToArray();
        return new Graph(inputs, nodes, outputs, (string?)doc["name"] ?? "model");
    }

    private static JsonNode Input(InputSpec i)
    {
        var o = new JsonObject { ["name"] = i.Name, ["shape"] = ToArray(i.Shape) };
        if (i.ElementType is not null) o["type"] = i.ElementType;
        if (i.BatchAxis != 0) o["batch_axis"] = i.BatchAxis;
        if (i.Symbols is not null) o["symbols"] = new JsonArray(i.Symbols.Select(s => (JsonNode?)(s is null ? null : JsonValue.Create(s))).ToArray());
        return o;
    }

    private static TNode Required<TNode>(JsonObject o, string key, string where) where TNode : JsonNode
        => o[key] as TNode ?? throw new FormatException($"{where} lacks \"{key}\"");

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
            args[p.Name!] = value switch
            {
                CustomActivation c => throw new NotSupportedException($"node '{node}': the custom activation '{c.Name}' cannot be saved; rebuild the graph in code and load only its weights"),
                Activation a => JsonValue.Create(a.Name),
                _ => JsonSerializer.SerializeToNode(value, prop.PropertyType, s_options),
            };
        }
        return args;
    }

    private static Op Construct(Type type, JsonObject args, string node)
    {
        var ctor = PrimaryConstructor(type);
        var values = ctor.GetParameters().Select(p =>
        {
            var raw = args[p.Name!];
            if (raw is null)
                return p.HasDefaultValue ? p.DefaultValue : throw new FormatException($"node '{node}': {KindOf(type)} lacks argument '{p.Name}'");
            try
            {
                return p.ParameterType == typeof(Activation) ? Activation.Parse((string)raw!) : raw.Deserialize(p.ParameterType, s_options);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new FormatException($"node '{node}': argument '{p.Name}' of {KindOf(type)} is invalid ({e.Message})");
            }
        }).ToArray();
        return (Op)ctor.Invoke(values);
    }
}
