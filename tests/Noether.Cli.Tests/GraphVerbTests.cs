using System.Text.Json;
using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary><c>noether graph</c>: counts by kind, the .npz export, and refusals.</summary>
public sealed class GraphVerbTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "noether-cli-tests", Guid.NewGuid().ToString("N"));
    public GraphVerbTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
    private string File(string name) => Path.Combine(_dir, name);

    private static async Task<(int Code, string Out, string Err)> Noether(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = await NoetherApp.RunAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task GraphCountsNodesAndEdgesAndExportsArraysThatRebuildTheWeights()
    {
        var model = Model<double>.Initialize(Builders.Mlp(4, [3], 2, norm: "layernorm"), new Rng(2));
        ModelFiles.Save(model, File("m.safetensors"));
        var (code, stdout, stderr) = await Noether("graph", File("m.safetensors"), "--json", "--out", File("g.npz"));
        Assert.True(code == 0, stderr);
        var doc = JsonDocument.Parse(stdout).RootElement;
        // 4 inputs + 3 hidden + 2 outputs + 2 bias nodes + γ + β.
        Assert.Equal(13, doc.GetProperty("nodes").GetInt32());
        Assert.Equal((int)model.Graph.TrainableParameterCount, doc.GetProperty("edges").GetInt32());
        Assert.Equal(12 + 6, doc.GetProperty("edge_kinds").GetProperty("Linear").GetInt32());
        var arrays = Npz.Read<double>(File("g.npz"));
        Assert.Equal([2, 4 * 3 + 3 + 3 + 3 + 3 * 2 + 2], arrays["edge_index"].ShapeArray());
        // Scatter edge_value by (edge_parameter, edge_element) back into the parameters, in declaration order.
        var names = model.Graph.Parameters.Select(p => p.Name).ToArray();
        var values = arrays["edge_value"].ToArray(); var param = arrays["edge_parameter"].ToArray(); var element = arrays["edge_element"].ToArray();
        for (int e = 0; e < values.Length; e++)
            Assert.Equal(model[names[(int)param[e]]].ToArray()[(int)element[e]], values[e]);
    }

    [Fact]
    public async Task GraphRefusesBadOutputsAndUnknownOpsWithExitCode2()
    {
        var model = Model<double>.Initialize(Builders.Mlp(4, [3], 2), new Rng(2));
        ModelFiles.Save(model, File("m.safetensors"));
        var before = System.IO.File.ReadAllBytes(File("m.safetensors"));
        var (code, _, stderr) = await Noether("graph", File("m.safetensors"), "--out", File("m.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains(".npz", stderr);
        Assert.Equal(before, System.IO.File.ReadAllBytes(File("m.safetensors")));
        System.IO.File.WriteAllText(File("g.npz"), "keep");
        var (code2, _, stderr2) = await Noether("graph", File("m.safetensors"), "--out", File("g.npz"));
        Assert.Equal(2, code2);
        Assert.Contains("exists", stderr2);
        Assert.Equal("keep", System.IO.File.ReadAllText(File("g.npz")));

        var b = new GraphBuilder("gated");
        var x = b.Input("input", 4);
        x = b.Add(new Nn.Operations.BroadcastParameterOp([4]), "gate", x);
        ModelFiles.Save(Model<double>.Initialize(b.Build(b.Add(new Nn.Operations.AddOp(), "sum", x, x)), new Rng(1)), File("gated.safetensors"));
        var (code3, _, stderr3) = await Noether("graph", File("gated.safetensors"));
        Assert.Equal(2, code3);
        Assert.Contains("'gate'", stderr3);
        Assert.Contains("gated.safetensors", stderr3);
    }
}
