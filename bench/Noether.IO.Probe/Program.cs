using System.Diagnostics;
using System.Reflection;
using Noether.IO;
using Noether.Tensors;

// Memory-map probe: writes a ~2 GiB safetensors file, then (in a fresh child process, so the writer's memory does
// not count) opens it, takes one 512 MiB tensor zero-copy, sums a 4 MiB slice, and reports the peak working set.
//
//   dotnet run -c Release --project bench/Noether.IO.Probe                 # write, measure, delete
//   dotnet run -c Release --project bench/Noether.IO.Probe -- read FILE    # measure an existing file only

const int TensorElements = 128 << 20; // 512 MiB of float32
const int Tensors = 4;
const int SliceStart = 100_000_000, SliceLength = 1 << 20;

if (args is ["read", var existing]) return Read(existing);
if (args.Length > 1 || (args.Length == 1 && args[0].StartsWith('-')))
{
    Console.Error.WriteLine("usage: Noether.IO.Probe [FILE]   |   Noether.IO.Probe read FILE");
    return 2;
}

var path = args.Length == 1 ? args[0] : Path.Combine(Path.GetTempPath(), "noether-probe.safetensors");
try
{
    var clock = Stopwatch.StartNew();
    var data = new float[TensorElements];
    for (int i = 0; i < data.Length; i++) data[i] = i % 1024;
    var tensor = new Tensor<float>(data, TensorElements);
    SafetensorsWriter.Write(path, Enumerable.Range(0, Tensors).Select(i => SafetensorsTensor.From($"layer{i}.weight", tensor)),
        [new("purpose", "memory-map probe")]);
    Console.WriteLine($"wrote {path}: {new FileInfo(path).Length / (1024.0 * 1024 * 1024):F2} GiB in {clock.Elapsed.TotalSeconds:F1} s (writer peak working set {Mib(Process.GetCurrentProcess().PeakWorkingSet64)})");
    data = null;
    tensor = null;

    // Measure in a fresh process.
    var self = Environment.ProcessPath!;
    var start = Path.GetFileNameWithoutExtension(self) == "dotnet"
        ? new ProcessStartInfo(self) { ArgumentList = { Assembly.GetExecutingAssembly().Location, "read", path } }
        : new ProcessStartInfo(self) { ArgumentList = { "read", path } };
    using var child = Process.Start(start)!;
    child.WaitForExit();
    return child.ExitCode;
}
finally
{
    File.Delete(path);
    Console.WriteLine($"deleted {path}");
}

static int Read(string path)
{
    var clock = Stopwatch.StartNew();
    long baseline = Process.GetCurrentProcess().WorkingSet64;
    using var file = SafetensorsFile.Open(path);
    var opened = clock.Elapsed;
    var view = file.ReadView<float>("layer2.weight");
    var slice = view.Span.Slice(SliceStart, SliceLength);
    double sum = 0;
    foreach (var v in slice) sum += v;
    double expected = 0;
    for (long i = SliceStart; i < SliceStart + SliceLength; i++) expected += i % 1024;
    var process = Process.GetCurrentProcess();
    long fileLength = file.FileLength;
    Console.WriteLine($"file size            {Mib(fileLength)} ({file.Entries.Count} tensors, header {file.HeaderLength} bytes)");
    Console.WriteLine($"open + validate      {opened.TotalMilliseconds:F1} ms");
    Console.WriteLine($"slice sum            {sum} over {SliceLength} floats at {SliceStart} of layer2.weight (expected {expected}: {(sum == expected ? "ok" : "MISMATCH")})");
    Console.WriteLine($"working set at start {Mib(baseline)}");
    Console.WriteLine($"peak working set     {Mib(process.PeakWorkingSet64)} = {100.0 * process.PeakWorkingSet64 / fileLength:F1}% of the file");
    GC.KeepAlive(view);
    return sum == expected ? 0 : 1;
}

static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):F1} MiB";
