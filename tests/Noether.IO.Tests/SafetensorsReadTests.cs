using System.Buffers;
using System.Runtime.InteropServices;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>Reading: conversion from every dtype, raw bytes, entries, metadata, zero-copy views and their lifetime.</summary>
public class SafetensorsReadTests
{
    [Fact]
    public void ReadConvertsEveryDtypeToFloatAndDouble()
    {
        using var dir = new TempDir();
        var samples = Samples.EveryDtype();
        var path = dir.File("all.safetensors");
        SafetensorsWriter.Write(path, samples.Select(s => s.ToTensor()));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(samples.Count, file.Entries.Count);
        foreach (var s in samples)
        {
            var entry = file.GetEntry(s.Name);
            Assert.Equal(s.Dtype, entry.Dtype);
            Assert.Equal(s.Shape, entry.ShapeArray());
            Assert.Equal(s.Data, file.RawBytes(s.Name).ToArray());
            var d = file.Read<double>(s.Name);
            Assert.Equal(s.Shape, d.ShapeArray());
            Assert.Equal(s.Values, d.ToArray());
            var f = file.Read<float>(s.Name);
            Assert.Equal(s.Values.Select(v => (float)v), f.ToArray());
        }
    }

    [Fact]
    public void LargeTensorsConvertAcrossChunkBoundaries()
    {
        using var dir = new TempDir();
        var path = dir.File("big.safetensors");
        int n = (2 << 20) + 3; // more than two 1 Mi-element decode chunks
        var values = Enumerable.Range(0, n).Select(i => (float)(i % 4099) - 2000.5f).ToArray();
        SafetensorsWriter.Write(path, [SafetensorsTensor.From("x", Tensor<float>.FromArray(values))]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(values.Select(v => (double)v), file.Read<double>("x").ToArray());
    }

    [Fact]
    public void Float8E4M3HasNoInfinityButHasNaN()
    {
        Assert.True(float.IsNaN(Internal.ElementConverter.DecodeE4M3(0x7F)));
        Assert.True(float.IsNaN(Internal.ElementConverter.DecodeE4M3(0xFF)));
        Assert.Equal(-448f, Internal.ElementConverter.DecodeE4M3(0xFE));
        Assert.Equal(0.875f * MathF.Pow(2, -6), Internal.ElementConverter.DecodeE4M3(0x07)); // largest subnormal
    }

    [Fact]
    public void EntriesAreInOffsetOrderAndMetadataKeepsFileOrder()
    {
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, Samples.EveryDtype().Select(s => s.ToTensor()), [new("format", "pt"), new("a", "ü\n\"")]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(file.Entries.Select(e => e.DataBegin).Order(), file.Entries.Select(e => e.DataBegin));
        Assert.Equal(0, file.Entries[0].DataBegin);
        Assert.Equal(file.FileLength - 8 - file.HeaderLength, file.Entries[^1].DataEnd);
        Assert.Equal(0, file.HeaderLength % 8);
        Assert.Equal(["format", "a"], file.Metadata!.Keys);
        Assert.Equal("ü\n\"", file.Metadata["a"]);
        var missing = Assert.Throws<KeyNotFoundException>(() => file.Read<float>("nope"));
        Assert.Contains(path, missing.Message);
        Assert.Contains("'nope'", missing.Message);
    }

    [Fact]
    public void FileWithoutMetadataHasNullMetadata()
    {
        using var dir = new TempDir();
        var path = dir.Write("n.safetensors", SafetensorsWriter.Serialize([SafetensorsTensor.From("x", Tensor<float>.FromArray([1f]))]));
        using var file = SafetensorsFile.Open(path);
        Assert.Null(file.Metadata);
    }

    [Fact]
    public void ReadViewIsZeroCopyAndNeverWritesTheFile()
    {
        using var dir = new TempDir();
        var path = dir.File("v.safetensors");
        var values = Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray();
        SafetensorsWriter.Write(path, [SafetensorsTensor.From("w", Tensor<float>.FromArray(values, 3, 4)), SafetensorsTensor.From("d", Tensor<double>.FromArray([1.0, 2.0]))]);
        var before = File.ReadAllBytes(path);
        using (var file = SafetensorsFile.Open(path))
        {
            var view = file.ReadView<float>("w");
            Assert.True(MemoryMarshal.TryGetMemoryManager<float, MemoryManager<float>>(view.Storage, out var manager));
            Assert.Equal(values, view.ToArray());
            Assert.Equal([3, 4], view.ShapeArray());
            // Same pages as the raw bytes: the view aliases the mapping.
            unsafe
            {
                fixed (byte* raw = file.RawBytes("w"))
                fixed (float* v = view.Span)
                    Assert.Equal((nint)raw, (nint)v);
            }
            view[1, 2] = -7f; // copy-on-write: visible through the mapping, not on disk
            Assert.Equal(-7f, file.Read<float>("w")[1, 2]);
            Assert.Equal(new[] { 1.0, 2.0 }, file.ReadView<double>("d").ToArray());
            var wrong = Assert.Throws<InvalidOperationException>(() => file.ReadView<double>("w"));
            Assert.Contains("F32", wrong.Message);
            Assert.Contains("'w'", wrong.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void ReadsReleaseTheirPagesButKeepValuesAndAViewsChanges()
    {
        // Read copies values out and drops the pages from the resident set (streaming a 7B checkpoint); once a view
        // was handed out it must not, or the view's private (copy-on-write) changes would be lost.
        using var dir = new TempDir();
        var path = dir.File("big.safetensors");
        var values = Enumerable.Range(0, 1 << 16).Select(i => (float)i).ToArray(); // 256 KB: whole pages
        SafetensorsWriter.Write(path, [SafetensorsTensor.From("w", Tensor<float>.FromArray(values, 1 << 16))]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(values, file.Read<float>("w").ToArray());
        Assert.Equal(values, file.Read<float>("w").ToArray()); // its pages were released: read again from the file
        var view = file.ReadView<float>("w");
        view.Span[40000] = -1f;
        Assert.Equal(-1f, file.Read<float>("w").Span[40000]);
        Assert.Equal(-1f, view.Span[40000]);
    }

    [Fact]
    public void ViewsStayValidAfterDisposeAndMethodsRefuse()
    {
        using var dir = new TempDir();
        var path = dir.File("life.safetensors");
        var values = Enumerable.Range(0, 1000).Select(i => (double)i).ToArray();
        SafetensorsWriter.Write(path, [SafetensorsTensor.From("x", Tensor<double>.FromArray(values))]);
        var file = SafetensorsFile.Open(path);
        var view = file.ReadView<double>("x");
        file.Dispose();
        file.Dispose(); // idempotent
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(values, view.ToArray());
        Assert.Throws<ObjectDisposedException>(() => file.Read<double>("x"));
        Assert.Throws<ObjectDisposedException>(() => file.ReadView<double>("x"));
        Assert.Throws<ObjectDisposedException>(() => file.RawBytes("x").Length);
        GC.KeepAlive(view);
    }

    [Fact]
    public void DisposeUnmapsAtOnceWithoutViewsAndAfterCollectionWithViews()
    {
        if (!OperatingSystem.IsLinux()) return; // observes the mapping through /proc/self/maps
        using var dir = new TempDir();
        var path = Path.GetFullPath(dir.File("maps.safetensors"));
        SafetensorsWriter.Write(path, [SafetensorsTensor.From("x", Tensor<float>.FromArray([1f, 2f]))]);

        using (var file = SafetensorsFile.Open(path))
        {
            Assert.True(IsMapped(path));
            Assert.Equal(new[] { 1f, 2f }, file.Read<float>("x").ToArray());
        }
        Assert.False(IsMapped(path));

        var weak = OpenViewAndDispose(path);
        for (int i = 0; i < 5 && weak.IsAlive; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(weak.IsAlive);
        Assert.False(IsMapped(path));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference OpenViewAndDispose(string path)
    {
        var file = SafetensorsFile.Open(path);
        var view = file.ReadView<float>("x");
        file.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(IsMapped(path)); // the view is still in use
        Assert.Equal(new[] { 1f, 2f }, view.ToArray());
        GC.KeepAlive(view);
        return new WeakReference(view);
    }

    private static bool IsMapped(string path) => File.ReadAllLines("/proc/self/maps").Any(l => l.EndsWith(path, StringComparison.Ordinal));
}
