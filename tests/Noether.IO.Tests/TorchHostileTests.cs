using static Noether.IO.Tests.TorchPickles;

namespace Noether.IO.Tests;

/// <summary>
/// Hostile and malformed PyTorch files: pickles that would run a shell command under Python's pickle are refused by
/// name (and the command never runs), views outside their storage, truncated archives and legacy files give one-line
/// errors naming the file.
/// </summary>
public class TorchHostileTests
{
    private static TorchFormatException Refused(byte[] image, params string[] mentions)
    {
        using var dir = new TempDir();
        var path = dir.Write("hostile.pt", image);
        var e = Assert.Throws<TorchFormatException>(() => TorchStateDict.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        return e;
    }

    /// <summary>The classic exploit: GLOBAL, a tuple of arguments, REDUCE — pickle.load would run the command.</summary>
    private static byte[] Exploit(byte[] global, string command)
        => Cat(Proto, global, Mark, Str(command), TupleOp, Reduce, Stop);

    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "exec")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch", "load")]
    public void ANonAllowedGlobalIsRefusedByNameAndNothingRuns(string module, string name)
    {
        using var dir = new TempDir();
        var marker = dir.File("pwned");
        string command = name is "eval" or "exec" ? $"open('{marker}', 'w')" : $"touch {marker}";
        foreach (var global in new[] { Global(module, name), StackGlobal(module, name) })
        {
            Refused(Archive(Exploit(global, command)), $"'{module}.{name}'", "nothing was executed");
            // The same inside a real-looking state dict, as the value of a key, still through the model loader.
            var wrapped = Archive(Dict(("w", Tensor("0", "FloatStorage", 1, 0, [1], [1])), ("x", Cat(global, Mark, Str(command), TupleOp, Reduce))), ("0", new byte[4]));
            var path = dir.Write("model.pt", wrapped);
            var e = Assert.ThrowsAny<IOException>(() => ModelFiles.Load<double>(path, dir.Write("a.json", "{}"u8.ToArray())));
            Assert.Contains($"{module}.{name}", e.Message);
        }
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void CallingAnAllowedNameThatIsNoRebuildIsRefused()
    {
        // torch.FloatStorage may be named (it types a storage) but not called; nor may a string or a number.
        Refused(Archive(Cat(Proto, Global("torch", "FloatStorage"), Mark, Int(10), TupleOp, Reduce, Stop)), "refusing to call 'torch.FloatStorage'");
        Refused(Archive(Cat(Proto, Str("os.system"), Mark, Str("touch x"), TupleOp, Reduce, Stop)), "refusing to call the string 'os.system'");
        Refused(Archive(Cat(Proto, Global("torch", "FloatStorage"), EmptyTuple, [0x81], Stop)), "refusing to call 'torch.FloatStorage'");
        Refused(Archive(Cat(Proto, EmptyTuple, Global("collections", "OrderedDict"), "b"u8.ToArray(), Stop)), "refusing BUILD on a tuple");
        Refused(Archive(Cat(Proto, "i"u8.ToArray(), "os\nsystem\n"u8.ToArray(), Stop)), "'os.system'");
    }

    [Fact]
    public void ViewsOutsideTheirStorageAreRefused()
    {
        var storage = new byte[4 * 6];
        Refused(Archive(Dict(("t", Tensor("0", "FloatStorage", 6, 1, [2, 3], [3, 1]))), ("0", storage)), "tensor 't'", "reaches element 6", "6 float32 elements");
        Refused(Archive(Dict(("t", Tensor("0", "FloatStorage", 6, 0, [7], [1]))), ("0", storage)), "reaches element 6");
        Refused(Archive(Dict(("t", Tensor("0", "FloatStorage", 6, 0, [2], [-1]))), ("0", storage)), "negative strides");
        Refused(Archive(Dict(("t", Tensor("0", "FloatStorage", 6, -1, [2], [1]))), ("0", storage)), "negative storage offset");
        Refused(Archive(Dict(("t", Tensor("0", "FloatStorage", 6, 0, [2, 3], [1]))), ("0", storage)), "2 axes but stride 1");
        // The storage member must hold exactly what the pickle declares, and must exist.
        Refused(Archive(Dict(("t", Tensor("0", "FloatStorage", 7, 0, [7], [1]))), ("0", storage)), "24 bytes", "declares 28");
        Refused(Archive(Dict(("t", Tensor("9", "FloatStorage", 6, 0, [6], [1]))), ("0", storage)), "storage '9' is missing");
        // Huge stride-0 views of a tiny storage would materialise gigabytes: refused before allocating.
        Refused(Archive(Dict(("t", Tensor("0", "FloatStorage", 1, 0, [1 << 30, 1 << 30], [0, 0]))), ("0", new byte[4])), "more than");
    }

    [Fact]
    public void TruncatedCorruptLegacyAndForeignFilesGiveOneLineErrors()
    {
        var real = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "torch", "net_state_dict.pt"));
        Refused(real[..(real.Length / 2)], "not a readable zip archive");
        Refused(real[..100], "not a readable zip archive");
        Refused([], "the file is empty");
        Refused("hello world"u8.ToArray(), "not a PyTorch zip archive");
        Refused([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e], "legacy");
        Refused(Archive(Cat(Proto, Str("just a string"), Stop)), "not a dict of tensors");
        Refused(Archive(Cat(Proto, EmptyDict)), "ends without STOP");
        Refused(Archive(Cat(Proto, EmptyDict, [0xff], Stop)), "opcode 0xff");
        Refused(Archive(Cat(Proto, "h"u8.ToArray(), [7], Stop)), "memo index 7");
        // A storage member whose bytes are damaged fails the zip checksum instead of loading wrong values.
        var index = FindStorage(real);
        var damaged = (byte[])real.Clone();
        damaged[index] ^= 0xff;
        Refused(damaged, "unreadable");
    }

    [Fact]
    public void SelfReferenceAndDeepNestingAreBounded()
    {
        // d = {}; d["a"] = d — flattening must not recurse forever.
        Refused(Archive(Cat(Proto, EmptyDict, "q"u8.ToArray(), [0], Str("a"), "h"u8.ToArray(), [0], SetItem, Stop)), "nested more than");
        var open = Enumerable.Repeat(Cat(EmptyDict, Str("k")), 100).SelectMany(b => b);
        var close = Enumerable.Repeat(SetItem, 100).SelectMany(b => b);
        var deep = Cat(Proto, open.ToArray(), EmptyDict, close.ToArray(), Stop);
        Refused(Archive(deep), "nested more than");
    }

    /// <summary>The offset of the first storage byte of the archive's member data/0.</summary>
    private static int FindStorage(byte[] zip)
    {
        var name = "net_state_dict/data/0"u8.ToArray();
        int at = zip.AsSpan().IndexOf(name);
        Assert.True(at > 0);
        // Local file header: name at offset 30, then the extra field (length at offset 28).
        int header = at - 30, extra = BitConverter.ToUInt16(zip, header + 28);
        return at + name.Length + extra;
    }
}

/// <summary>
/// Seeded mutants of the golden files — damaged bytes anywhere, and damaged pickles re-zipped with valid checksums so
/// they reach the pickle machine — either load or fail with a one-line <see cref="TorchFormatException"/>.
/// </summary>
public class TorchFuzzTests
{
    /// <summary>Mutants per golden file (600; NOETHER_FUZZ_ITERATIONS for longer runs).</summary>
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("NOETHER_FUZZ_ITERATIONS"), out var n) ? n : 600;

    [Fact]
    public void MutantsLoadOrFailWithOneLine()
    {
        var rng = new Random(20261203);
        using var dir = new TempDir();
        int loaded = 0, refused = 0;
        foreach (var name in new[] { "tensors", "net_checkpoint" })
        {
            var original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "torch", name + ".pt"));
            byte[] pickle;
            using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(original)))
            using (var s = zip.GetEntry($"{name}/data.pkl")!.Open())
            using (var ms = new MemoryStream()) { s.CopyTo(ms); pickle = ms.ToArray(); }
            for (int i = 0; i < Iterations; i++)
            {
                bool rezip = i % 2 == 0;
                var bytes = (byte[])(rezip ? pickle : original).Clone();
                switch (rng.Next(4))
                {
                    case 0: for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256); break;
                    case 1: bytes = bytes[..rng.Next(bytes.Length)]; break;
                    case 2: { int at = rng.Next(bytes.Length); bytes = [.. bytes[..at], (byte)rng.Next(256), .. bytes[at..]]; break; }
                    default: { int at = rng.Next(bytes.Length), n = rng.Next(1, 16); bytes = [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + n)..]]; break; }
                }
                if (rezip) bytes = Repack(original, $"{name}/data.pkl", bytes);
                var path = dir.Write($"m{i}.pt", bytes);
                try { TorchStateDict.Read(path); loaded++; }
                catch (TorchFormatException e) { Assert.DoesNotContain('\n', e.Message); refused++; }
                File.Delete(path);
            }
        }
        Assert.True(refused > Iterations, $"{refused} refused, {loaded} loaded");
    }

    /// <summary>The archive with one member replaced.</summary>
    private static byte[] Repack(byte[] archive, string member, byte[] content)
    {
        using var input = new System.IO.Compression.ZipArchive(new MemoryStream(archive));
        using var output = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            foreach (var e in input.Entries)
            {
                using var s = zip.CreateEntry(e.FullName, System.IO.Compression.CompressionLevel.NoCompression).Open();
                if (e.FullName == member) s.Write(content);
                else using (var from = e.Open()) from.CopyTo(s);
            }
        return output.ToArray();
    }
}
