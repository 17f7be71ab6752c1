#:project ../../src/Noether.Tensors/Noether.Tensors.csproj
#:property PublishAot=false
// Writes two synthetic Llama-7B-shaped bfloat16 checkpoints in Hugging Face layout (config.json, sharded
// model-0000k-of-0000N.safetensors, model.safetensors.index.json) for the provenance benchmark:
//   A: random weights (matrices N(0, 0.02²), norm gains 1 + N(0, 0.1²));
//   B: A moved by a function-preserving transformation of the kind the derived group contains — a signed permutation
//      of the residual stream (every reading column, writing row, embedding column and norm gain), a permutation of the
//      attention heads per layer, a permutation of the MLP units per layer with a random nonzero scale per up row
//      (1/scale on the matching down column) — then perturbed by --noise × each tensor's scale (a stand-in for
//      fine-tuning).
// One tensor is held at a time (A's and B's version). Llama-2-7B shapes: vocab 32000, d 4096, MLP 11008, 32 heads.
// Usage: dotnet run -c Release experiments/provenance/synth7b.cs -- --out DIR [--layers 32] [--seed 1] [--noise 0.05] [--shard-gb 4]
using System.Globalization;
using System.Text;
using System.Text.Json;
using Noether.Tensors;

var a = args.Select((v, i) => (v, i)).Where(p => p.v.StartsWith("--")).ToDictionary(p => p.v[2..], p => args[p.i + 1]);
string outDir = a.TryGetValue("out", out var o) ? o : throw new ArgumentException("synth7b.cs: --out DIR is required");
int layers = a.TryGetValue("layers", out var l) ? int.Parse(l) : 32;
ulong seed = a.TryGetValue("seed", out var s) ? ulong.Parse(s) : 1;
double noise = a.TryGetValue("noise", out var n) ? double.Parse(n, CultureInfo.InvariantCulture) : 0.05;
long shardBytes = (long)((a.TryGetValue("shard-gb", out var g) ? double.Parse(g, CultureInfo.InvariantCulture) : 4) * (1L << 30));
const int V = 32000, D = 4096, F = 11008, H = 32, Hd = D / H;

// The plan: every tensor, its shape and its shard.
var tensors = new List<(string Name, int[] Shape)> { ("model.embed_tokens.weight", [V, D]) };
for (int k = 0; k < layers; k++)
{
    string p = $"model.layers.{k}";
    tensors.AddRange([($"{p}.input_layernorm.weight", [D]), ($"{p}.self_attn.q_proj.weight", [D, D]), ($"{p}.self_attn.k_proj.weight", [D, D]),
        ($"{p}.self_attn.v_proj.weight", [D, D]), ($"{p}.self_attn.o_proj.weight", [D, D]), ($"{p}.post_attention_layernorm.weight", [D]),
        ($"{p}.mlp.gate_proj.weight", [F, D]), ($"{p}.mlp.up_proj.weight", [F, D]), ($"{p}.mlp.down_proj.weight", [D, F])]);
}
tensors.AddRange([("model.norm.weight", [D]), ("lm_head.weight", [V, D])]);
var shards = new List<List<(string Name, int[] Shape)>> { new() };
long used = 0;
foreach (var t in tensors)
{
    long bytes = 2L * t.Shape.Aggregate(1L, (x, y) => x * y);
    if (used > 0 && used + bytes > shardBytes) { shards.Add(new()); used = 0; }
    shards[^1].Add(t);
    used += bytes;
}
long total = tensors.Sum(t => 2L * t.Shape.Aggregate(1L, (x, y) => x * y));
Console.WriteLine($"{tensors.Count} tensors, {total / 1e9:F2} GB per checkpoint in {shards.Count} shard(s); {layers} layers");

// The transformation B = g·A + noise.
var rng = new Rng(seed);
var streamPerm = rng.Permutation(D);                           // B coordinate streamPerm[i] holds ±A coordinate i
var streamSign = Enumerable.Range(0, D).Select(_ => rng.NextDouble() < 0.5 ? -1f : 1f).ToArray();
var headPerm = Enumerable.Range(0, layers).Select(_ => rng.Permutation(H)).ToArray();   // B head h is A head headPerm[h]
var unitPerm = Enumerable.Range(0, layers).Select(_ => rng.Permutation(F)).ToArray();   // B unit u is A unit unitPerm[u]
var unitScale = Enumerable.Range(0, layers).Select(_ => Enumerable.Range(0, F).Select(_ => (float)((rng.NextDouble() < 0.5 ? -1 : 1) * Math.Exp(rng.NextDouble() * 1.4 - 0.7))).ToArray()).ToArray();

foreach (var dir in new[] { "A", "B" })
{
    var folder = Path.Combine(outDir, dir);
    Directory.CreateDirectory(folder);
    File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["architectures"] = new[] { "LlamaForCausalLM" }, ["model_type"] = "llama", ["hidden_size"] = D, ["intermediate_size"] = F,
        ["num_attention_heads"] = H, ["num_key_value_heads"] = H, ["num_hidden_layers"] = layers, ["vocab_size"] = V,
        ["max_position_embeddings"] = 4096, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = 10000.0, ["hidden_act"] = "silu",
        ["tie_word_embeddings"] = false, ["attention_bias"] = false, ["torch_dtype"] = "bfloat16",
    }, new JsonSerializerOptions { WriteIndented = true }));
}
var weightMap = new Dictionary<string, string>();
for (int si = 0; si < shards.Count; si++)
{
    string file = $"model-{si + 1:D5}-of-{shards.Count:D5}.safetensors";
    var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
    long offset = 0;
    foreach (var t in shards[si])
    {
        long bytes = 2L * t.Shape.Aggregate(1L, (x, y) => x * y);
        header[t.Name] = new Dictionary<string, object> { ["dtype"] = "BF16", ["shape"] = t.Shape, ["data_offsets"] = new[] { offset, offset + bytes } };
        offset += bytes;
        weightMap[t.Name] = file;
    }
    var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
    int pad = (8 - json.Length % 8) % 8;
    var headerBytes = json.Concat(Enumerable.Repeat((byte)' ', pad)).ToArray();
    using var fa = new FileStream(Path.Combine(outDir, "A", file), FileMode.Create);
    using var fb = new FileStream(Path.Combine(outDir, "B", file), FileMode.Create);
    foreach (var f in new[] { fa, fb }) { f.Write(BitConverter.GetBytes((ulong)headerBytes.Length)); f.Write(headerBytes); }
    foreach (var t in shards[si])
    {
        var (va, vb) = Generate(t.Name, t.Shape);
        WriteBf16(fa, va);
        WriteBf16(fb, vb);
        Console.Write('.');
    }
}
Console.WriteLine();
foreach (var dir in new[] { "A", "B" })
    File.WriteAllText(Path.Combine(outDir, dir, "model.safetensors.index.json"),
        JsonSerializer.Serialize(new { metadata = new { total_size = total }, weight_map = weightMap }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"wrote {outDir}/A and {outDir}/B");

(float[] A, float[] B) Generate(string name, int[] shape)
{
    var r = new Rng(StableHash(name) ^ seed);
    int rows = shape[0], cols = shape.Length > 1 ? shape[1] : 1;
    var va = new float[rows * cols];
    bool gain = shape.Length == 1;
    for (int i = 0; i < va.Length; i++) va[i] = gain ? (float)(1 + 0.1 * r.NextNormal()) : (float)(0.02 * r.NextNormal());
    var vb = new float[va.Length];
    int layer = name.StartsWith("model.layers.") ? int.Parse(name.Split('.')[2]) : -1;
    // Row map (B row → A row, scale) and column map (B column → A column, scale).
    Func<int, (int, float)> rowOf = i => (i, 1f), colOf = j => (j, 1f);
    var inverseStream = new int[D];
    for (int i = 0; i < D; i++) inverseStream[streamPerm[i]] = i;
    (int, float) StreamSlot(int j) { int i = inverseStream[j]; return (i, streamSign[i]); }   // B coordinate j = sign·A coordinate i
    if (gain) rowOf = j => (inverseStream[j], 1f);                                                 // gains permute, signs pass through
    else if (name.EndsWith("embed_tokens.weight") || name.EndsWith("lm_head.weight")) colOf = StreamSlot;
    else if (name.Contains("q_proj") || name.Contains("k_proj") || name.Contains("v_proj"))
    {
        var hp = headPerm[layer];
        rowOf = i => (hp[i / Hd] * Hd + i % Hd, 1f);
        colOf = StreamSlot;
    }
    else if (name.Contains("o_proj"))
    {
        var hp = headPerm[layer];
        rowOf = StreamSlot;
        colOf = j => (hp[j / Hd] * Hd + j % Hd, 1f);
    }
    else if (name.Contains("gate_proj")) { rowOf = u => (unitPerm[layer][u], 1f); colOf = StreamSlot; }
    else if (name.Contains("up_proj")) { rowOf = u => (unitPerm[layer][u], unitScale[layer][u]); colOf = StreamSlot; }
    else if (name.Contains("down_proj")) { rowOf = StreamSlot; colOf = u => (unitPerm[layer][u], 1 / unitScale[layer][u]); }
    var colSrc = new int[cols]; var colScale = new float[cols];
    for (int j = 0; j < cols; j++) (colSrc[j], colScale[j]) = colOf(j);
    double scale = gain ? 0.1 : 0.02;
    for (int i = 0; i < rows; i++)
    {
        var (ri, rs) = rowOf(i);
        int src = ri * cols, dst = i * cols;
        for (int j = 0; j < cols; j++) vb[dst + j] = va[src + colSrc[j]] * rs * colScale[j] + (float)(noise * scale * r.NextNormal());
    }
    return (va, vb);
}

static ulong StableHash(string s) { ulong h = 1469598103934665603UL; foreach (char c in s) { h ^= c; h *= 1099511628211UL; } return h; }

static void WriteBf16(Stream f, float[] v)
{
    var buffer = new byte[1 << 20];
    int k = 0;
    foreach (var x in v)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        ushort b = (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        buffer[k++] = (byte)b; buffer[k++] = (byte)(b >> 8);
        if (k == buffer.Length) { f.Write(buffer, 0, k); k = 0; }
    }
    f.Write(buffer, 0, k);
}
