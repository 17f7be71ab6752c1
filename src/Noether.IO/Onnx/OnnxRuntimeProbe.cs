using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = Noether.Tensors.Tensor<double>;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// The shape at batch size <paramref name="Batch"/> (1, or 2 when the model cannot run one sample), at twice that when
/// the batch is dynamic (<paramref name="Shape2"/>), and the element type of one probed value.
/// </summary>
internal sealed record ProbedValue(long[] Shape, long[]? Shape2, DataType Type, int Batch = 1);

/// <summary>
/// Asks ONNX Runtime what the importer cannot work out itself: the output shapes of ops it keeps opaque (when the
/// model carries no value_info for them), and the values of unknown ops whose inputs are all constants. The model
/// runs with every node output exposed as a graph output, once at batch size 1 and, when the batch is dynamic, once
/// at batch size 2 — comparing the two shows which axis holds the batch (a model that cannot run one sample runs at
/// 2 and 4 instead). Feeds are ones (floating point) or zeros
/// (integers, booleans), so token ids stay valid indices. Graph optimisations are off, so every value exists.
/// </summary>
internal static class OnnxRuntimeProbe
{
    /// <summary>
    /// A graph input to feed: its name, element type, and shape with −1 for the batch axis; <paramref name="Value"/>,
    /// when given, is fed instead of ones or zeros (inputs without a batch axis only, of the same type and shape).
    /// </summary>
    public sealed record Feed(string Name, DataType Type, long[] Dims, TypedArray? Value = null);

    /// <summary>Shapes and types of every node output of the main graph; throws <see cref="InvalidOperationException"/> when ONNX Runtime fails.</summary>
    public static Dictionary<string, ProbedValue> ProbeShapes(ModelProto model, IReadOnlyList<Feed> feeds, bool dynamicBatch)
    {
        var probe = model.Clone();
        var exposed = probe.Graph.Output.Select(o => o.Name).ToHashSet();
        var fed = feeds.Select(f => f.Name).Concat(probe.Graph.Initializer.Select(t => t.Name)).ToHashSet();
        foreach (var n in probe.Graph.Node)
            foreach (var o in n.Output)
                if (o.Length > 0 && !fed.Contains(o) && exposed.Add(o)) probe.Graph.Output.Add(new ValueInfoProto { Name = o });
        var names = probe.Graph.Output.Select(o => o.Name).ToArray();
        using var session = Session(probe.ToByteArray());
        int batch = 1;
        Dictionary<string, Result> first;
        try { first = Run(session, feeds, batch, names); }
        catch (InvalidOperationException) when (dynamicBatch)
        {
            // Some valid models need an even batch (a Split of the batch axis in two): try 2 and 4 samples.
            batch = 2;
            first = Run(session, feeds, batch, names);
        }
        var second = dynamicBatch ? Run(session, feeds, 2 * batch, names) : null;
        return first.ToDictionary(kv => kv.Key, kv => new ProbedValue(kv.Value.Shape, second?.GetValueOrDefault(kv.Key)?.Shape, kv.Value.Type, batch));
    }

    /// <summary>Runs one node on constant inputs (tensors in input order, null for absent ones); returns its outputs.</summary>
    public static OnnxTensor[] Evaluate(NodeProto node, IEnumerable<OperatorSetIdProto> opsets, IReadOnlyList<TensorProto?> inputs, long irVersion)
    {
        var graph = new GraphProto { Name = "fold" };
        var copy = node.Clone();
        copy.Input.Clear();
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i] is not { } t) { copy.Input.Add(""); continue; }
            var name = $"in{i}";
            var init = t.Clone();
            init.Name = name;
            graph.Initializer.Add(init);
            copy.Input.Add(name);
        }
        copy.Output.Clear();
        for (int k = 0; k < node.Output.Count; k++)
        {
            copy.Output.Add(node.Output[k].Length == 0 ? "" : $"out{k}");
            if (node.Output[k].Length > 0) graph.Output.Add(new ValueInfoProto { Name = $"out{k}" });
        }
        graph.Node.Add(copy);
        var model = new ModelProto { IrVersion = Math.Max(irVersion, 7), Graph = graph };
        model.OpsetImport.AddRange(opsets.Select(o => o.Clone()));
        using var session = Session(model.ToByteArray());
        var names = graph.Output.Select(o => o.Name).ToArray();
        var values = Run(session, [], 1, names, read: true);
        return node.Output.Select((o, k) => o.Length == 0 ? null! : values[$"out{k}"].Value!).ToArray();
    }

    private static InferenceSession Session(byte[] model)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        try { return new InferenceSession(model, options); }
        catch (OnnxRuntimeException e) { throw new InvalidOperationException(FirstLine(e.Message), e); }
    }

    private sealed record Result(long[] Shape, DataType Type, OnnxTensor? Value);

    private static Dictionary<string, Result> Run(InferenceSession session, IReadOnlyList<Feed> feeds, int batch, string[] names, bool read = false)
    {
        var inputs = new List<OrtValue>();
        try
        {
            foreach (var f in feeds) inputs.Add(Given(f) ?? Filled(f.Type, f.Dims.Select(d => d < 0 ? batch : d).ToArray()));
            using var options = new RunOptions();
            using var outputs = session.Run(options, feeds.Select(f => f.Name).ToArray(), inputs, names);
            var result = new Dictionary<string, Result>();
            for (int i = 0; i < names.Length; i++)
            {
                var v = outputs.ElementAt(i);
                if (v.OnnxType != OnnxValueType.ONNX_TYPE_TENSOR) continue;
                var info = v.GetTensorTypeAndShape();
                var type = (DataType)(int)info.ElementDataType;
                result[names[i]] = new Result(info.Shape, type, read ? Read(v, type, info.Shape) : null);
            }
            return result;
        }
        catch (OnnxRuntimeException e) { throw new InvalidOperationException(FirstLine(e.Message), e); }
        finally { foreach (var v in inputs) v.Dispose(); }
    }

    /// <summary>The feed's given value when it fits (no batch axis, same element type and shape), else null.</summary>
    private static OrtValue? Given(Feed f)
    {
        if (f.Value is not { } v || f.Dims.Any(d => d < 0) || !v.Shape.Select(d => (long)d).SequenceEqual(f.Dims)) return null;
        if ((int)OnnxRuntimeEngine.ToOrtType(v.ElementType) != (int)f.Type) return null;
        return OnnxRuntimeEngine.ToOrt(v);
    }

    /// <summary>A tensor of ones (floating point) or zeros (everything else).</summary>
    private static OrtValue Filled(DataType type, long[] shape)
    {
        if (type == DataType.String)
        {
            var s = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            return s;
        }
        var v = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)type, shape);
        var raw = v.GetTensorMutableRawData();
        raw.Clear();
        switch (type)
        {
            case DataType.Float: MemoryMarshal.Cast<byte, float>(raw).Fill(1f); break;
            case DataType.Double: MemoryMarshal.Cast<byte, double>(raw).Fill(1.0); break;
            case DataType.Float16: MemoryMarshal.Cast<byte, Half>(raw).Fill((Half)1); break;
            case DataType.Bfloat16: MemoryMarshal.Cast<byte, ushort>(raw).Fill(0x3F80); break;
        }
        return v;
    }

    private static OnnxTensor Read(OrtValue v, DataType type, long[] shape)
    {
        double[] data = type switch
        {
            DataType.Float => v.GetTensorDataAsSpan<float>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Double => v.GetTensorDataAsSpan<double>().ToArray(),
            DataType.Float16 => v.GetTensorDataAsSpan<Float16>().ToArray().Select(x => (double)(float)x).ToArray(),
            DataType.Bfloat16 => v.GetTensorDataAsSpan<BFloat16>().ToArray().Select(x => (double)(float)x).ToArray(),
            DataType.Int64 => v.GetTensorDataAsSpan<long>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Int32 => v.GetTensorDataAsSpan<int>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Int16 => v.GetTensorDataAsSpan<short>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Int8 => v.GetTensorDataAsSpan<sbyte>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Uint8 => v.GetTensorDataAsSpan<byte>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Uint16 => v.GetTensorDataAsSpan<ushort>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Uint32 => v.GetTensorDataAsSpan<uint>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Uint64 => v.GetTensorDataAsSpan<ulong>().ToArray().Select(x => (double)x).ToArray(),
            DataType.Bool => v.GetTensorDataAsSpan<bool>().ToArray().Select(x => x ? 1.0 : 0.0).ToArray(),
            _ => throw new InvalidOperationException($"ONNX Runtime produced a {type} tensor, which has no numeric value here"),
        };
        return new OnnxTensor(type, new Tensor(data, shape.Select(d => checked((int)d)).ToArray()));
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 400 ? line[..400] + "…" : line;
    }
}
