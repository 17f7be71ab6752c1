using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Noether.Nn.Operations;

namespace Noether.Nn;

public static partial class GraphJson
{
    /// <summary>The op kinds the reader knows (every op record of this assembly and every registered one), sorted.</summary>
    public static IReadOnlyList<string> Kinds
    {
        get => s_kinds.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The JSON Schema (draft 2020-12) of the documents <see cref="Serialize"/> writes and <see cref="Deserialize(string)"/>
    /// reads, built from the same op records: one <c>args</c> definition per op kind, its properties the record's
    /// constructor arguments, typed as System.Text.Json writes them. The repository ships it as
    /// docs/graph-json.schema.json; a test keeps that file equal to this.
    /// </summary>
    public static string Schema()
    {
        var defs = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var kinds = Kinds;
        var branches = new JsonArray();
        foreach (var kind in kinds)
        {
            Type type;
            type = s_kinds[kind];
            defs[$"op.{kind}"] = OpArguments(kind, type, defs);
            branches.Add(new JsonObject
            {
                ["if"] = new JsonObject { ["properties"] = new JsonObject { ["op"] = new JsonObject { ["const"] = kind } } },
                ["then"] = new JsonObject { ["properties"] = new JsonObject { ["args"] = Ref($"op.{kind}") } },
            });
        }
        defs["number"] = new JsonObject
        {
            ["description"] = "A JSON number, or one of the strings NaN, Infinity, -Infinity.",
            ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "number" }, new JsonObject { ["enum"] = new JsonArray("NaN", "Infinity", "-Infinity") }),
        };
        defs["input"] = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "A graph input: its per-sample shape (the batch axis is implicit and not listed).",
            ["required"] = new JsonArray("name", "shape"),
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject { ["type"] = "string" },
                ["shape"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 }, ["description"] = "Per-sample sizes, positive integers." },
                ["type"] = new JsonObject { ["type"] = new JsonArray("string", "null"), ["description"] = "Element type fed to the input (float32 when absent; int64 for token ids)." },
                ["batch_axis"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["description"] = "Where the batch axis sits in the fed arrays (0 when absent)." },
                ["symbols"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = new JsonArray("string", "null") }, ["description"] = "Symbolic names of the per-sample sizes (ONNX dim_params), null where fixed." },
            },
        };
        defs["node"] = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "One op applied to earlier values. Its parameters are named NODE.ROLE (a Linear node 'fc' owns fc.weight and fc.bias).",
            ["required"] = new JsonArray("name", "op", "inputs"),
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject { ["type"] = "string", ["description"] = "Unique; names the node's output value and prefixes its parameters." },
                ["op"] = new JsonObject { ["enum"] = new JsonArray(kinds.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray()) },
                ["args"] = new JsonObject { ["type"] = "object", ["description"] = "The op's constructor arguments; omitted ones take their defaults." },
                ["inputs"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["description"] = "Names of graph inputs or earlier nodes." },
            },
            ["allOf"] = branches,
        };
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "urn:noether:graph-json:1",
            ["title"] = "Noether graph JSON",
            ["description"] = "The architecture of a Noether model: inputs, a list of nodes in execution order, and outputs. "
                + "It travels inside a safetensors file (__metadata__[\"noether.graph\"]) or beside a weights-only file "
                + "(X.json next to X.safetensors or X.pt, or --arch FILE). Generated from the op records by GraphJson.Schema().",
            ["type"] = "object",
            ["required"] = new JsonArray("format", "version", "inputs", "nodes", "outputs"),
            ["properties"] = new JsonObject
            {
                ["format"] = new JsonObject { ["const"] = "noether.graph" },
                ["version"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = FormatVersion },
                ["name"] = new JsonObject { ["type"] = "string" },
                ["inputs"] = new JsonObject { ["type"] = "array", ["items"] = Ref("input") },
                ["nodes"] = new JsonObject { ["type"] = "array", ["items"] = Ref("node") },
                ["outputs"] = new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = new JsonObject { ["type"] = "string" } },
            },
            ["$defs"] = new JsonObject(defs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject Ref(string def) => new() { ["$ref"] = $"#/$defs/{def}" };

    private static JsonObject OpArguments(string kind, Type type, SortedDictionary<string, JsonNode> defs)
    {
        var nullability = new NullabilityInfoContext();
        var parameters = PrimaryConstructor(type).GetParameters();
        var properties = new JsonObject();
        foreach (var p in parameters)
        {
            var s = TypeSchema(p.ParameterType, defs);
            if (nullability.Create(p).ReadState == NullabilityState.Nullable && Nullable.GetUnderlyingType(p.ParameterType) is null)
                s = new JsonObject { ["anyOf"] = new JsonArray(s, new JsonObject { ["type"] = "null" }) };
            if (p.HasDefaultValue) s["default"] = JsonSerializer.SerializeToNode(p.DefaultValue, p.ParameterType, s_options);
            properties[p.Name!] = s;
        }
        string signature = $"{kind}({string.Join(", ", parameters.Select(p => p.HasDefaultValue ? $"{p.Name} = {JsonSerializer.Serialize(p.DefaultValue, p.ParameterType, s_options)}" : p.Name))})";
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] = signature,
            ["properties"] = properties,
            ["required"] = new JsonArray(parameters.Where(p => !p.HasDefaultValue).Select(p => (JsonNode)JsonValue.Create(p.Name!)!).ToArray()),
            ["additionalProperties"] = false,
        };
    }

    /// <summary>The schema of a value of <paramref name="t"/> as System.Text.Json writes it with the reader's options.</summary>
    private static JsonObject TypeSchema(Type t, SortedDictionary<string, JsonNode> defs)
    {
        if (Nullable.GetUnderlyingType(t) is { } inner)
            return new JsonObject { ["anyOf"] = new JsonArray(TypeSchema(inner, defs), new JsonObject { ["type"] = "null" }) };
        if (t == typeof(bool)) return new JsonObject { ["type"] = "boolean" };
        if (t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(uint) || t == typeof(ulong))
            return new JsonObject { ["type"] = "integer" };
        if (t == typeof(double) || t == typeof(float)) return Ref("number");
        if (t == typeof(string)) return new JsonObject { ["type"] = "string" };
        if (t == typeof(byte[])) return new JsonObject { ["type"] = "string", ["contentEncoding"] = "base64" };
        if (typeof(Activation).IsAssignableFrom(t))
            return new JsonObject { ["type"] = "string", ["description"] = "An activation by name: identity, relu, leaky_relu(α), gelu, gelu_tanh, silu, tanh, sigmoid, softplus, abs, relu6, clip(min,max), hard_sigmoid(α,β), hard_swish." };
        if (t.IsEnum)
        {
            bool named = t.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType is { IsGenericType: true } c && c.GetGenericTypeDefinition() == typeof(JsonStringEnumConverter<>);
            var names = Enum.GetNames(t);
            return named
                ? new JsonObject { ["enum"] = new JsonArray(names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()), ["description"] = t.Name }
                : new JsonObject
                {
                    ["enum"] = new JsonArray(Enum.GetValues(t).Cast<object>().Select(v => (JsonNode)JsonValue.Create(Convert.ToInt64(v))!).ToArray()),
                    ["description"] = $"{t.Name}: {string.Join(", ", Enum.GetValues(t).Cast<object>().Select(v => $"{Convert.ToInt64(v)} = {v}"))}",
                };
        }
        var element = t.IsArray ? t.GetElementType()
            : t.IsGenericType && t.GetGenericArguments().Length == 1 && typeof(System.Collections.IEnumerable).IsAssignableFrom(t) ? t.GetGenericArguments()[0] : null;
        if (element is not null) return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(element, defs) };
        // A record or class: an object of the properties System.Text.Json writes.
        var name = $"type.{t.Name}";
        if (!defs.ContainsKey(name))
        {
            defs[name] = new JsonObject(); // placeholder against recursion
            var info = s_options.GetTypeInfo(t);
            var properties = new JsonObject();
            foreach (var p in info.Properties.Where(p => p.Get is not null))
            {
                var s = TypeSchema(p.PropertyType, defs);
                if (!p.PropertyType.IsValueType)
                    s = new JsonObject { ["anyOf"] = new JsonArray(s, new JsonObject { ["type"] = "null" }) };
                properties[p.Name] = s;
            }
            defs[name] = new JsonObject { ["type"] = "object", ["description"] = t.Name, ["properties"] = properties };
        }
        return Ref(name);
    }
}
