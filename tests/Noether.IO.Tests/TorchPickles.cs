using System.IO.Compression;
using System.Text;

namespace Noether.IO.Tests;

/// <summary>Hand-written pickle opcodes and torch.save-style zip archives, for hostile and malformed files.</summary>
internal static class TorchPickles
{
    public static byte[] Proto => [0x80, 2];
    public static byte[] Stop => "."u8.ToArray();
    public static byte[] Mark => "("u8.ToArray();
    public static byte[] TupleOp => "t"u8.ToArray();
    public static byte[] Reduce => "R"u8.ToArray();
    public static byte[] EmptyDict => "}"u8.ToArray();
    public static byte[] EmptyTuple => ")"u8.ToArray();
    public static byte[] SetItems => "u"u8.ToArray();
    public static byte[] SetItem => "s"u8.ToArray();
    public static byte[] False => [0x89];

    /// <summary>GLOBAL 'module name'.</summary>
    public static byte[] Global(string module, string name) => Encoding.UTF8.GetBytes($"c{module}\n{name}\n");

    /// <summary>STACK_GLOBAL of two pushed strings (protocol 4).</summary>
    public static byte[] StackGlobal(string module, string name) => Cat(Str(module), Str(name), [0x93]);

    public static byte[] Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Cat("X"u8.ToArray(), BitConverter.GetBytes(b.Length), b);
    }

    public static byte[] Int(int v) => Cat("J"u8.ToArray(), BitConverter.GetBytes(v));

    public static byte[] Ints(params long[] values) => Cat([Mark, .. values.Select(v => Int((int)v)), TupleOp]);

    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>_rebuild_tensor_v2(storage('key', type, numel), offset, size, stride, False, OrderedDict()).</summary>
    public static byte[] Tensor(string key, string storageType, long numel, long offset, long[] size, long[] stride) => Cat(
        Global("torch._utils", "_rebuild_tensor_v2"), Mark,
        Mark, Str("storage"), Global("torch", storageType), Str(key), Str("cpu"), Int((int)numel), TupleOp, "Q"u8.ToArray(),
        Int((int)offset), Ints(size), Ints(stride), False, Global("collections", "OrderedDict"), EmptyTuple, Reduce,
        TupleOp, Reduce);

    /// <summary>A pickle of {name: value} for the given (name, value-opcodes) pairs.</summary>
    public static byte[] Dict(params (string Name, byte[] Value)[] items)
        => Cat([Proto, EmptyDict, Mark, .. items.SelectMany(i => new[] { Str(i.Name), i.Value }), SetItems, Stop]);

    /// <summary>A zip laid out as torch.save writes it: archive/data.pkl, archive/data/KEY, archive/version.</summary>
    public static byte[] Archive(byte[] pickle, params (string Key, byte[] Bytes)[] storages)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] bytes)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
            Add("archive/data.pkl", pickle);
            foreach (var (key, bytes) in storages) Add($"archive/data/{key}", bytes);
            Add("archive/version", "3\n"u8.ToArray());
        }
        return ms.ToArray();
    }
}
