using Google.Protobuf;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;
using Onnx;

namespace Noether.IO.Tests.Fuzz;

/// <summary>
/// The formats under fuzzing. To add a reader, add a <see cref="FuzzTarget"/> to <see cref="All"/> with a few valid
/// seed files and its one-line exception type, and add its name to <see cref="FuzzSuiteTests.Formats"/>; the engine
/// (<see cref="Mutator"/>) and runner need no change (the torch <c>.pt</c> target was added this way).
/// </summary>
public static class FuzzTargets
{
    /// <summary>The importer's per-tensor budget during fuzzing: small, so memory stays bounded per mutant.</summary>
    public const long OnnxBudget = 64L << 20;

    /// <summary>Every target by format name.</summary>
    public static IReadOnlyDictionary<string, Func<FuzzTarget>> All { get; } = new Dictionary<string, Func<FuzzTarget>>
    {
        ["safetensors"] = Safetensors,
        ["onnx"] = Onnx,
        ["npy"] = Npy,
        ["npz"] = Npz,
        ["graph-json"] = GraphJsonTarget,
        ["pt"] = Torch,
    };

    private static FuzzTarget Safetensors()
    {
        var rng = new Rng(0x5AFE);
        var seeds = new List<byte[]>
        {
            SafetensorsWriter.Serialize(Samples.EveryDtype().Select(s => s.ToTensor())),
            SafetensorsWriter.Serialize(Samples.Random(rng, 4), [new("format", "pt")]),
        };
        // A whole model file, whose graph JSON in __metadata__ is parsed too.
        using (var dir = new TempDir())
        {
            var path = dir.File("m.safetensors");
            ModelFiles.Save(Model<float>.Initialize(Builders.Mlp(3, [4], 2), new Rng(1)), path);
            seeds.Add(File.ReadAllBytes(path));
        }
        return new("safetensors", ".safetensors", seeds, path =>
        {
            using (var file = SafetensorsFile.Open(path))
                foreach (var e in file.Entries) file.Read<double>(e.Name);
            try { ModelFiles.Load<float>(path); }
            catch (InvalidDataException) { } // weights-only files and graph mismatches: the loader's clean error
            catch (ArgumentException) { }    // ShapeMismatchException of a stored shape
            catch (NotSupportedException) { } // unknown op in the embedded graph
        }, e => e is SafetensorsFormatException);
    }

    private static FuzzTarget Onnx()
    {
        using var dir = new TempDir();
        var seeds = new List<byte[]>
        {
            Build(new OnnxModelBuilder().Input("x", -1, 4).Longs("pads", 0, 1, 0, 2).Node("Pad", ["x", "pads"], "y").Output("y")),
            Build(new OnnxModelBuilder().Input("x", -1, 2, 4).Longs("shape", 2, 4).Node("ConstantOfShape", ["shape"], "c")
                .Node("Add", ["x", "c"], "s").Longs("e", 1, 2, 4).Node("Expand", ["s", "e"], "t").Node("Transpose", ["t"], "u", ("perm", new long[] { 0, 2, 1 }))
                .Node("Flatten", ["u"], "y", ("axis", 1L)).Output("y")),
            Build(new OnnxModelBuilder().Input("x", -1, 6).Floats("w", [6, 3], Enumerable.Range(0, 18).Select(i => i / 7f).ToArray())
                .Node("MatMul", ["x", "w"], "h").Longs("i", 0, 2).Node("Gather", ["h", "i"], "g", ("axis", 1L)).Node("Relu", ["g"], "y").Output("y")),
        };
        var cnn = dir.File("cnn.onnx");
        OnnxExporter.Save(Model<float>.Initialize(Builders.SmallCnn([1, 8, 8], [4], 3, hidden: 8), new Rng(2)), cnn);
        seeds.Add(File.ReadAllBytes(cnn));
        var options = new OnnxImportOptions { MaxTensorBytes = OnnxBudget };
        return new("onnx", ".onnx", seeds, path => OnnxImporter.Load<float>(path, options),
            e => e is OnnxImportException or InvalidDataException, MutateOnnx);
    }

    private static byte[] Build(OnnxModelBuilder b) => b.Build().ToByteArray();

    /// <summary>Structure-aware ONNX mutations: dims, data types, attribute values, raw data lengths, op types.</summary>
    private static byte[] MutateOnnx(byte[] image, Rng rng)
    {
        ModelProto m;
        try { m = ModelProto.Parser.ParseFrom(image); }
        catch (InvalidProtocolBufferException) { return Mutator.Mutate(image, rng); }
        var g = m.Graph;
        if (g is null) return image;
        long Interesting() => Mutator.InterestingIntegers[rng.NextInt(Mutator.InterestingIntegers.Length)];
        switch (rng.NextInt(6))
        {
            case 0 when g.Initializer.Count > 0: // a huge, negative or zero dim
            {
                var t = g.Initializer[rng.NextInt(g.Initializer.Count)];
                if (t.Dims.Count == 0 || rng.NextInt(4) == 0) t.Dims.Add(Interesting()); else t.Dims[rng.NextInt(t.Dims.Count)] = Interesting();
                break;
            }
            case 1 when g.Initializer.Count > 0: // a type swap
                g.Initializer[rng.NextInt(g.Initializer.Count)].DataType = rng.NextInt(24);
                break;
            case 2 when g.Initializer.Count > 0: // raw data of the wrong length
            {
                var t = g.Initializer[rng.NextInt(g.Initializer.Count)];
                if (t.RawData.Length > 0) t.RawData = ByteString.CopyFrom(t.RawData.Span[..rng.NextInt(t.RawData.Length)]);
                else if (t.Int64Data.Count > 0) t.Int64Data[rng.NextInt(t.Int64Data.Count)] = Interesting();
                else if (t.FloatData.Count > 0) t.FloatData[rng.NextInt(t.FloatData.Count)] = new[] { float.NaN, float.PositiveInfinity, float.MaxValue, 1e-45f }[rng.NextInt(4)];
                break;
            }
            case 3 when g.Node.Count > 0: // attribute values
            {
                var n = g.Node[rng.NextInt(g.Node.Count)];
                if (n.Attribute.Count == 0)
                    n.Attribute.Add(new AttributeProto { Name = new[] { "axis", "group", "perm", "pads", "strides" }[rng.NextInt(5)], Type = AttributeProto.Types.AttributeType.Int, I = Interesting() });
                else
                {
                    var a = n.Attribute[rng.NextInt(n.Attribute.Count)];
                    if (a.Ints.Count > 0) a.Ints[rng.NextInt(a.Ints.Count)] = Interesting(); else a.I = Interesting();
                    if (rng.NextInt(5) == 0) a.Type = (AttributeProto.Types.AttributeType)rng.NextInt(15);
                }
                break;
            }
            case 4 when g.Node.Count > 0: // op type swap
                g.Node[rng.NextInt(g.Node.Count)].OpType = new[] { "Pad", "Expand", "ConstantOfShape", "Tile", "Range", "Reshape", "Conv", "MaxPool", "Gather", "Split", "Slice", "Concat", "Resize", "Frob" }[rng.NextInt(14)];
                break;
            case 5 when g.Input.Count > 0: // an input dim
            {
                var dims = g.Input[rng.NextInt(g.Input.Count)].Type?.TensorType?.Shape?.Dim;
                if (dims is { Count: > 0 }) dims[rng.NextInt(dims.Count)].DimValue = Interesting();
                break;
            }
            default:
                return Mutator.Mutate(image, rng);
        }
        return m.ToByteArray();
    }

    private static FuzzTarget Npy()
    {
        var seeds = new List<byte[]>();
        foreach (var t in new[] { Tensor<double>.Arange(6).Reshape(2, 3), Tensor<double>.FromArray([1.5, -2.25]) })
        {
            var s = new MemoryStream();
            Noether.IO.Npy.Write(s, t);
            seeds.Add(s.ToArray());
        }
        seeds.Add(Bytes.Npy("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 2), }\n", new byte[16]));
        seeds.Add(Bytes.Npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", [1, 0, 1], major: 3, utf8: true));
        seeds.Add(Bytes.Npy("{'descr': '<f2', 'fortran_order': False, 'shape': ()}", [0, 0x3C]));
        return new("npy", ".npy", seeds, path => Noether.IO.Npy.Read<double>(path), e => e is NpyFormatException);
    }

    private static FuzzTarget Npz()
    {
        using var dir = new TempDir();
        var path = dir.File("a.npz");
        Noether.IO.Npz.Write(path, new Dictionary<string, Tensor<float>> { ["a"] = Tensor<float>.Arange(10), ["b"] = Tensor<float>.Ones(2, 2) });
        var seeds = new List<byte[]>
        {
            File.ReadAllBytes(path),
            // np.savez_compressed(b=np.array([1, -2, 3])) from NumPy 1.24.2.
            Convert.FromBase64String("UEsDBBQAAAAIAAAAIQB0qPMwTgAAAJgAAAAFABQAYi5ucHkBABAAmAAAAAAAAABOAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6mjoKtQoUAC5GBgj49x8CmKF8AFBLAQIUAxQAAAAIAAAAIQB0qPMwTgAAAJgAAAAFAAAAAAAAAAAAAACAAQAAAABiLm5weVBLBQYAAAAAAQABADMAAACFAAAAAAA="),
        };
        return new("npz", ".npz", seeds, p => Noether.IO.Npz.Read<double>(p), e => e is NpyFormatException);
    }

    private static FuzzTarget GraphJsonTarget()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 4, 8, 8);
        var c = b.Conv2d(x, 4, 3, padding: 1, groups: 2, nodeName: "conv");
        var p = b.MaxPool2d(b.BatchNorm(c), 2, nodeName: "pool");
        var conv = b.Build(b.Linear(b.Flatten(b.Residual(p, p)), 3));
        var graphs = new[] { conv, Builders.Mlp(5, [7], 2, norm: "layernorm"), Builders.Transformer(4, 6, 3, model: 8, heads: 2, kvHeads: 2, layers: 1), Builders.SmallCnn([1, 8, 8], [4], 3, hidden: 8) };
        var seeds = graphs.Select(g => System.Text.Encoding.UTF8.GetBytes(GraphJson.Serialize(g))).ToList();
        return new("graph-json", ".json", seeds, path =>
        {
            var g = GraphJson.Deserialize(File.ReadAllText(path));
            foreach (var v in g.Nodes) g.ShapeOf(v.Name);
            _ = g.TrainableParameterCount;
        }, e => e is FormatException or NotSupportedException or ArgumentException, MutateJson);
    }

    /// <summary>Structure-aware JSON mutations: one value anywhere (an op argument, a shape entry, a name) replaced by a hostile one.</summary>
    private static byte[] MutateJson(byte[] image, Rng rng)
    {
        System.Text.Json.Nodes.JsonNode? root;
        try { root = System.Text.Json.Nodes.JsonNode.Parse(image); }
        catch (System.Text.Json.JsonException) { return Mutator.Mutate(image, rng); }
        if (root is null) return image;
        var slots = new List<(System.Text.Json.Nodes.JsonNode Parent, object Key)>();
        void Walk(System.Text.Json.Nodes.JsonNode n)
        {
            if (n is System.Text.Json.Nodes.JsonObject o) foreach (var kv in o.ToList()) { slots.Add((o, kv.Key)); if (kv.Value is not null) Walk(kv.Value); }
            else if (n is System.Text.Json.Nodes.JsonArray a) for (int i = 0; i < a.Count; i++) { slots.Add((a, i)); if (a[i] is not null) Walk(a[i]!); }
        }
        Walk(root);
        if (slots.Count == 0) return image;
        var (parent, key) = slots[rng.NextInt(slots.Count)];
        System.Text.Json.Nodes.JsonNode? value = rng.NextInt(3) switch
        {
            0 => System.Text.Json.Nodes.JsonValue.Create(Mutator.InterestingIntegers[rng.NextInt(Mutator.InterestingIntegers.Length)]),
            1 => System.Text.Json.Nodes.JsonValue.Create(new[] { 0, -1, 1, 2, 3, 7, 64, 100000 }[rng.NextInt(8)]),
            _ => System.Text.Json.Nodes.JsonNode.Parse(Mutator.InterestingTokens[rng.NextInt(Mutator.InterestingTokens.Length)] is "NaN" ? "null" : Mutator.InterestingTokens[rng.NextInt(Mutator.InterestingTokens.Length)] is var t && t != "NaN" ? t : "null"),
        };
        if (parent is System.Text.Json.Nodes.JsonObject obj) obj[(string)key] = value; else ((System.Text.Json.Nodes.JsonArray)parent)[(int)key] = value;
        return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static FuzzTarget Torch()
    {
        // Real torch.save files from Debian's PyTorch (tests/…/data/torch) and a hand-built archive.
        var dir = Path.Combine(AppContext.BaseDirectory, "data", "torch");
        var seeds = new[] { "net_state_dict.pt", "net_checkpoint.pt", "tensors.pt" }.Select(f => File.ReadAllBytes(Path.Combine(dir, f))).ToList();
        seeds.Add(TorchPickles.Archive(TorchPickles.Dict(("w", TorchPickles.Tensor("0", "FloatStorage", 4, 0, [2, 2], [2, 1]))), ("0", new byte[16])));
        return new("pt", ".pt", seeds, p => TorchStateDict.Read(p), e => e is TorchFormatException, MutateTorch);
    }

    /// <summary>Mutates the pickle or a storage inside the zip and re-zips it, so mutations pass the archive's CRCs and reach the unpickler.</summary>
    private static byte[] MutateTorch(byte[] image, Rng rng)
    {
        var entries = new List<(string Name, byte[] Bytes)>();
        try
        {
            using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(image), System.IO.Compression.ZipArchiveMode.Read);
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                var ms = new MemoryStream();
                s.CopyTo(ms);
                entries.Add((e.FullName, ms.ToArray()));
            }
        }
        catch (InvalidDataException) { return Mutator.Mutate(image, rng); }
        if (entries.Count == 0) return Mutator.Mutate(image, rng);
        int k = entries.FindIndex(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
        if (k < 0 || rng.NextInt(4) == 0) k = rng.NextInt(entries.Count);
        entries[k] = (entries[k].Name, Mutator.Mutate(entries[k].Bytes, rng));
        using var output = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                using var s = zip.CreateEntry(name, System.IO.Compression.CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
        return output.ToArray();
    }
}
