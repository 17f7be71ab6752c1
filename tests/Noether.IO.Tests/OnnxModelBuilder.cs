using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>Builds small ONNX models in memory for importer tests.</summary>
internal sealed class OnnxModelBuilder(long opset = 13)
{
    private readonly GraphProto _g = new() { Name = "test" };
    private int _n;

    public OnnxModelBuilder Input(string name, params long[] dims) => Input(name, DataType.Float, dims);

    public OnnxModelBuilder Input(string name, DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        for (int i = 0; i < dims.Length; i++)
            shape.Dim.Add(i == 0 && dims[i] < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = dims[i] });
        _g.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } });
        return this;
    }

    public OnnxModelBuilder Output(string name) => Output(name, DataType.Float);

    public OnnxModelBuilder Output(string name, DataType type)
    {
        _g.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type } } });
        return this;
    }

    public OnnxModelBuilder Floats(string name, long[] dims, params float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        _g.Initializer.Add(t);
        return this;
    }

    public OnnxModelBuilder Longs(string name, params long[] values)
    {
        _g.Initializer.Add(OnnxTensors.Int64(name, values));
        return this;
    }

    /// <summary>A rank-0 int64 initializer (PyTorch's Gather index for x.size(0)).</summary>
    public OnnxModelBuilder Scalar(string name, long value)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        t.Int64Data.Add(value);
        _g.Initializer.Add(t);
        return this;
    }

    public OnnxModelBuilder Initializer(TensorProto t)
    {
        _g.Initializer.Add(t);
        return this;
    }

    public OnnxModelBuilder Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
        => Node(op, inputs, [output], attributes);

    /// <summary>A node with several outputs (Split, If).</summary>
    public OnnxModelBuilder Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = $"/{op.ToLowerInvariant()}/{op}_{_n++}", Output = { outputs } };
        n.Input.AddRange(inputs);
        foreach (var (name, value) in attributes)
            n.Attribute.Add(value switch
            {
                long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
                float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
                string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
                long[] ints => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } },
                TensorProto t => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t },
                GraphProto g => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = g },
                float[] floats => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats, Floats = { floats } },
                _ => throw new ArgumentException($"attribute {name}"),
            });
        _g.Node.Add(n);
        return this;
    }

    /// <summary>The graph alone (an If branch: no inputs, outputs named but untyped are fine).</summary>
    public GraphProto Graph() => _g.Clone();

    public ModelProto Build()
    {
        var m = new ModelProto { IrVersion = 8, Graph = _g.Clone() };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return m;
    }

    public string Save(TempDir dir, string name = "model.onnx")
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, Build().ToByteArray());
        return path;
    }
}
