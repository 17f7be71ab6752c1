using Noether.Nn;
using Noether.Tensors;
using Onnx;

namespace Noether.IO.Tests;

/// <summary>
/// ONNX models whose tensors live in external data files (saved by python3-onnx with save_as_external_data): read
/// with paths confined to the model's folder and ranges checked, compared against ONNX Runtime; written back with the
/// data beside the output, the input files untouched.
/// </summary>
public class OnnxExternalDataTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", "onnx-external", name);

    /// <summary>A copy of the golden model and its data file in a fresh folder.</summary>
    private static string Copy(TempDir dir)
    {
        File.Copy(Data("mlp_external.onnx"), dir.File("mlp_external.onnx"));
        File.Copy(Data("mlp_external.onnx.data"), dir.File("mlp_external.onnx.data"));
        return dir.File("mlp_external.onnx");
    }

    private static double[] Ort(string path, Tensor<float> x)
        => OrtFileOracle.Run(path, ("x", x.ToArray(), x.ShapeArray().Select(d => (long)d).ToArray()))[0].Values;

    [Fact]
    public void ExternalWeightsLoadAndMatchOnnxRuntime()
    {
        var x = Tensor<float>.RandomNormal(new Rng(5), [6, 4]);
        var model = OnnxImporter.Load<float>(Data("mlp_external.onnx"));
        var ours = model.Predict(x)[0].ToArray();
        var theirs = Ort(Data("mlp_external.onnx"), x);
        Assert.Equal(theirs.Length, ours.Length);
        Assert.True(ours.Zip(theirs).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
        Assert.Contains(ours, v => v != 0);
        Assert.Equal("float32", ModelFileInfo.StoredElementType(Data("mlp_external.onnx")));
    }

    /// <summary>Rewrites tensor <paramref name="tensor"/>'s external entries, returns the model path.</summary>
    private static string Edit(TempDir dir, string tensor, string? location = null, string? offset = null, string? length = null)
    {
        var path = Copy(dir);
        var proto = OnnxFile.ReadStructure(path);
        var t = proto.Graph.Initializer.Single(i => i.Name == tensor);
        foreach (var e in t.ExternalData)
        {
            if (e.Key == "location" && location is not null) e.Value = location;
            if (e.Key == "offset" && offset is not null) e.Value = offset;
            if (e.Key == "length" && length is not null) e.Value = length;
        }
        OnnxFile.WriteModel(path, proto);
        return path;
    }

    private static void Refused(string path, params string[] mentions)
    {
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<double>(path));
        Assert.StartsWith(path + ": tensor '", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
    }

    [Fact]
    public void LocationsOutsideTheModelsFolderAreRefused()
    {
        using var dir = new TempDir();
        using var outside = new TempDir();
        File.Copy(Data("mlp_external.onnx.data"), outside.File("stolen.data"));
        // ../ escapes, absolute paths (to a readable file), backslash escapes.
        using (var d = new TempDir()) Refused(Edit(d, "w1", location: "../" + Path.GetFileName(outside.Path) + "/stolen.data"), "'w1'", "'..'");
        using (var d = new TempDir()) Refused(Edit(d, "w1", location: outside.File("stolen.data")), "absolute location");
        using (var d = new TempDir()) Refused(Edit(d, "w1", location: "sub\\..\\..\\stolen.data"), "'..'");
        // A symbolic link in the folder pointing out of it, and a symlinked sub-folder.
        using (var d = new TempDir())
        {
            var path = Edit(d, "w1", location: "link.data");
            File.CreateSymbolicLink(d.File("link.data"), outside.File("stolen.data"));
            Refused(path, "symbolic link ('link.data')");
        }
        using (var d = new TempDir())
        {
            var path = Edit(d, "w1", location: "sub/stolen.data");
            Directory.CreateSymbolicLink(d.File("sub"), outside.Path);
            Refused(path, "symbolic link ('sub')");
        }
        // A link that stays inside the folder is fine.
        using (var d = new TempDir())
        {
            var path = Edit(d, "w1", location: "alias.data");
            File.CreateSymbolicLink(d.File("alias.data"), d.File("mlp_external.onnx.data"));
            var want = OnnxImporter.Load<double>(Data("mlp_external.onnx"));
            var got = OnnxImporter.Load<double>(path);
            foreach (var p in want.Parameters) Assert.Equal(p.Value.ToArray(), got[p.Key].ToArray());
        }
    }

    [Fact]
    public void RangesAndSizesAreChecked()
    {
        using (var d = new TempDir()) Refused(Edit(d, "w2", offset: "200"), "'w2'", "[200, 296)", "268 bytes");
        using (var d = new TempDir()) Refused(Edit(d, "w2", length: "95"), "length 95", "96 bytes");
        using (var d = new TempDir()) Refused(Edit(d, "b1", offset: "-4"), "offset '-4'");
        using (var d = new TempDir()) Refused(Edit(d, "b1", offset: "1e3"), "offset '1e3'");
        using (var d = new TempDir()) Refused(Edit(d, "b2", location: "missing.data"), "'missing.data'", "does not exist");
        using (var d = new TempDir())
        {
            // Every tensor at offset 0 of a 128-byte file: each range fits, but together they read 268 bytes of 128.
            var path = Copy(d);
            var proto = OnnxFile.ReadStructure(path);
            foreach (var t in proto.Graph.Initializer) t.ExternalData.Single(e => e.Key == "offset").Value = "0";
            OnnxFile.WriteModel(path, proto);
            File.WriteAllBytes(d.File("mlp_external.onnx.data"), File.ReadAllBytes(Data("mlp_external.onnx.data"))[..128]);
            Refused(path, "more than the 128 bytes");
        }
    }

    [Fact]
    public void WriteBackPutsTheDataBesideTheOutputAndNeverTouchesTheInput()
    {
        using var dir = new TempDir();
        var path = Copy(dir);
        var before = (File.ReadAllBytes(path), File.ReadAllBytes(dir.File("mlp_external.onnx.data")));
        var model = OnnxImporter.Load<double>(path);
        var scaled = new Model<double>(model.Graph, model.Parameters.ToDictionary(p => p.Key,
            p => new Tensor<double>(p.Value.ToArray().Select(v => v * 1.5).ToArray(), p.Value.ShapeArray())));
        var output = dir.File("scaled.onnx");
        Assert.Null(OnnxWriteBack.TrySave(path, scaled, output));
        Assert.Equal(before.Item1, File.ReadAllBytes(path));
        Assert.Equal(before.Item2, File.ReadAllBytes(dir.File("mlp_external.onnx.data")));
        var written = OnnxFile.ReadStructure(output);
        Assert.All(written.Graph.Initializer, t =>
        {
            Assert.Equal(TensorProto.Types.DataLocation.External, t.DataLocation);
            Assert.Equal("scaled.onnx.data", t.ExternalData.Single(e => e.Key == "location").Value);
        });
        Assert.True(File.Exists(dir.File("scaled.onnx.data")));
        // ONNX Runtime reads the written pair and computes the scaled model's function.
        var x = Tensor<float>.RandomNormal(new Rng(8), [5, 4]);
        var ours = scaled.Cast<float>().Predict(x)[0].ToArray();
        var theirs = Ort(output, x);
        Assert.True(ours.Zip(theirs).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
        Assert.Empty(Directory.GetFiles(dir.Path, ".*.tmp"));
    }

    [Fact]
    public void WriteBackRefusesToReplaceTheInputsDataFile()
    {
        // a.onnx keeps its weights in b.onnx.data; writing b.onnx would put its data exactly there.
        using var dir = new TempDir();
        var proto = OnnxFile.ReadStructure(Data("mlp_external.onnx"));
        foreach (var t in proto.Graph.Initializer) t.ExternalData.Single(e => e.Key == "location").Value = "b.onnx.data";
        var a = dir.File("a.onnx");
        OnnxFile.WriteModel(a, proto);
        File.Copy(Data("mlp_external.onnx.data"), dir.File("b.onnx.data"));
        var model = OnnxImporter.Load<double>(a);
        var e = Assert.Throws<ArgumentException>(() => OnnxWriteBack.TrySave(a, model, dir.File("b.onnx")));
        Assert.Contains("the input model reads", e.Message);
        Assert.Equal(File.ReadAllBytes(Data("mlp_external.onnx.data")), File.ReadAllBytes(dir.File("b.onnx.data")));
        Assert.False(File.Exists(dir.File("b.onnx")));
    }
}
