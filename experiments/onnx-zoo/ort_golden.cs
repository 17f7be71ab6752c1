#:package Microsoft.ML.OnnxRuntime@1.32.0
#:property ManagePackageVersionsCentrally=false
#:property PublishAot=false
// Runs every model of the ONNX zoo's manifest through ONNX Runtime.
//   real models:      writes their golden outputs (the files the manifest names), since no PyTorch source exists;
//   generated models: checks ONNX Runtime against the PyTorch goldens (relative max difference), writing nothing.
// Usage: dotnet run experiments/onnx-zoo/ort_golden.cs [ZOO_DIR]   (default tests/Noether.IO.Tests/data/onnx-zoo)
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

string zoo = args.Length > 0 ? args[0] : "tests/Noether.IO.Tests/data/onnx-zoo";
using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(zoo, "manifest.json")));
int failures = 0;
foreach (var kind in new[] { "generated", "real" })
{
    foreach (var model in manifest.RootElement.GetProperty(kind).EnumerateArray())
    {
        string name = model.GetProperty("name").GetString()!;
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            using var session = new InferenceSession(Path.Combine(zoo, model.GetProperty("file").GetString()!), options);
            var feeds = model.GetProperty("inputs").EnumerateArray()
                .Select(i => Npy.ToOrt(i.GetProperty("name").GetString()!, Npy.Read(Path.Combine(zoo, i.GetProperty("file").GetString()!))))
                .ToList();
            using var results = session.Run(feeds);
            var outputs = model.GetProperty("outputs").EnumerateArray().ToList();
            var line = new StringBuilder($"{kind,-9} {name,-16}");
            foreach (var o in outputs)
            {
                var value = results.First(r => r.Name == o.GetProperty("name").GetString());
                var tensor = value.AsTensor<float>();
                var got = new Npy.Array("<f4", tensor.Dimensions.ToArray(), tensor.ToArray().Select(v => (double)v).ToArray());
                string golden = Path.Combine(zoo, o.GetProperty("golden").GetString()!);
                if (kind == "real")
                {
                    Npy.Write(golden, got);
                    line.Append($" wrote {Path.GetFileName(golden)} [{string.Join(",", got.Shape)}]");
                }
                else
                {
                    var expected = Npy.Read(golden);
                    double scale = expected.Data.Max(Math.Abs), diff = 0;
                    if (!expected.Shape.SequenceEqual(got.Shape)) throw new InvalidDataException(
                        $"output {o.GetProperty("name").GetString()} is [{string.Join(",", got.Shape)}], golden [{string.Join(",", expected.Shape)}]");
                    for (int k = 0; k < got.Data.Length; k++) diff = Math.Max(diff, Math.Abs(got.Data[k] - expected.Data[k]));
                    double rel = diff / scale;
                    if (rel > 1e-5) failures++;
                    line.Append($" rel {rel:E2}{(rel > 1e-5 ? " FAIL" : "")}");
                }
            }
            Console.WriteLine(line);
        }
        catch (Exception e)
        {
            failures++;
            Console.WriteLine($"{kind,-9} {name,-16} ERROR {e.Message.Split('\n')[0]}");
        }
    }
}
return failures == 0 ? 0 : 1;

/// <summary>Just enough .npy: little-endian float32, float64 and int64, C order.</summary>
static class Npy
{
    public sealed record Array(string Descr, int[] Shape, double[] Data);

    public static Array Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = bytes[6] == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int offset = bytes[6] == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        string descr = header.Split("'descr': '")[1].Split('\'')[0];
        if (header.Contains("'fortran_order': True")) throw new InvalidDataException($"{path}: Fortran order");
        string shapeText = header.Split("'shape': (")[1].Split(')')[0];
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        int count = shape.Aggregate(1, (a, b) => a * b), start = offset + headerLength;
        double[] data = descr switch
        {
            "<f4" => Enumerable.Range(0, count).Select(i => (double)BitConverter.ToSingle(bytes, start + 4 * i)).ToArray(),
            "<f8" => Enumerable.Range(0, count).Select(i => BitConverter.ToDouble(bytes, start + 8 * i)).ToArray(),
            "<i8" => Enumerable.Range(0, count).Select(i => (double)BitConverter.ToInt64(bytes, start + 8 * i)).ToArray(),
            _ => throw new InvalidDataException($"{path}: dtype {descr} is not read here"),
        };
        return new Array(descr, shape, data);
    }

    public static NamedOnnxValue ToOrt(string name, Array a) => a.Descr switch
    {
        "<i8" => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(a.Data.Select(v => (long)v).ToArray(), a.Shape)),
        _ => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(a.Data.Select(v => (float)v).ToArray(), a.Shape)),
    };

    /// <summary>Writes float32 (the engine's precision), atomically.</summary>
    public static void Write(string path, Array a)
    {
        string shape = a.Shape.Length == 1 ? $"({a.Shape[0]},)" : $"({string.Join(", ", a.Shape)})";
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        int pad = 64 - (10 + header.Length + 1) % 64;
        header = header + new string(' ', pad % 64) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        foreach (var v in a.Data) stream.Write(BitConverter.GetBytes((float)v));
        File.WriteAllBytes(path + ".tmp", stream.ToArray());
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
