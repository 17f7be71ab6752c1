using Noether.IO;
using Noether.Metanetworks.Lora;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using Noether.Tensors.Linalg;

namespace Noether.Metanetworks.Tests;

/// <summary>
/// Learning on LoRAs: the layers are equivariant and the head invariant under (U, V) ↦ (U·R, V·R^{−T}) for random
/// invertible R ∈ GL(r) (≤ 1e-8 relative, float64), and not under a non-matching transformation (U·R, V·R).
/// </summary>
public class LoraTests
{
    private const int B = 2, N = 5, M = 4, R = 3;

    private static Tensor<double> RandomInvertible(Rng rng, int r)
    {
        // Entries N(0, 1) plus 2·I: invertible with probability 1 and not badly conditioned.
        var a = Tensor<double>.RandomNormal(rng, r, r) + Tensor<double>.Eye(r) * 2.0;
        Assert.True(Math.Abs(Linalg.Determinant(a)) > 1e-3);
        return a;
    }

    private static double Relative(Tensor<double> a, Tensor<double> b) => a.MaxAbsDiff(b) / Math.Max(1e-300, b.ToArray().Max(Math.Abs));

    private static (Variable<double>, Variable<double>) Pair(Tensor<double> u, Tensor<double> v) => (Variable<double>.Constant(u), Variable<double>.Constant(v));

    [Fact]
    public void Layers_are_gl_equivariant_and_the_head_invariant_but_not_under_a_non_matching_map()
    {
        var rng = new Rng(17);
        var net = new GlNetwork<double>([(N, M)], width: 6, layers: 2, outputs: 2, rng, headHidden: 8);
        var linear = new GlLinear<double>(net.Store, "extra.linear", N, 3, M, 2, rng);
        var gate = new GlGate<double>(net.Store, "extra.gate", N, M, rng);
        for (int trial = 0; trial < 5; trial++)
        {
            var u = Tensor<double>.RandomNormal(rng, B, N, R); var v = Tensor<double>.RandomNormal(rng, B, M, R);
            var r = RandomInvertible(rng, R);
            var rInvT = Linalg.Inverse(r).Transpose().Contiguous();
            var (ur, vr) = (u.MatMul(r), v.MatMul(rInvT));
            net.Store.NewPass();

            var (lu, lv) = linear.Forward(Variable<double>.Constant(u), Variable<double>.Constant(v));
            var (lur, lvr) = linear.Forward(Variable<double>.Constant(ur), Variable<double>.Constant(vr));
            Assert.True(Relative(lur.Value, lu.Value.MatMul(r)) <= 1e-8);
            Assert.True(Relative(lvr.Value, lv.Value.MatMul(rInvT)) <= 1e-8);

            var (gu, gv) = gate.Forward(Variable<double>.Constant(u), Variable<double>.Constant(v));
            var (gur, gvr) = gate.Forward(Variable<double>.Constant(ur), Variable<double>.Constant(vr));
            Assert.True(Relative(gur.Value, gu.Value.MatMul(r)) <= 1e-8);
            Assert.True(Relative(gvr.Value, gv.Value.MatMul(rInvT)) <= 1e-8);

            var y = net.Forward([Pair(u, v)]).Value;
            Assert.True(Relative(net.Forward([Pair(ur, vr)]).Value, y) <= 1e-8);

            // Non-matching: V moved by R instead of R^{−T}. ΔW changes, so the gate and the head notice.
            var vWrong = v.MatMul(r);
            var (gw, _) = gate.Forward(Variable<double>.Constant(ur), Variable<double>.Constant(vWrong));
            Assert.True(Relative(gw.Value, gu.Value.MatMul(r)) > 1e-3);
            Assert.True(Relative(net.Forward([Pair(ur, vWrong)]).Value, y) > 1e-3);
        }
    }

    [Fact]
    public void Network_passes_a_float64_gradient_check()
    {
        var rng = new Rng(3);
        var net = new GlNetwork<double>([(3, 2)], width: 2, layers: 1, outputs: 1, rng, headHidden: 3);
        var names = net.Store.Values.Keys.ToArray();
        var result = GradCheck.Run(v =>
        {
            net.Store.NewPass();
            for (int i = 0; i < names.Length; i++) net.Store.Bind(names[i], v[2 + i]);
            return net.Forward([(v[0], v[1])]);
        }, [Tensor<double>.RandomNormal(rng, 2, 3, 2), Tensor<double>.RandomNormal(rng, 2, 2, 2), .. names.Select(n => net.Store.Values[n].Clone())]);
        Assert.True(result.MaxRelativeError < 1e-6, $"{result}");
    }

    [Fact]
    public void Peft_adapter_file_is_read_per_target_module()
    {
        using var dir = new IO.Tests.TempDir();
        var rng = new Rng(5);
        var tensors = new Dictionary<string, Tensor<float>>
        {
            ["base_model.model.layers.0.self_attn.q_proj.lora_A.weight"] = Tensor<float>.RandomNormal(rng, 4, 16),
            ["base_model.model.layers.0.self_attn.q_proj.lora_B.weight"] = Tensor<float>.RandomNormal(rng, 16, 4),
            ["base_model.model.layers.0.mlp.down_proj.lora_A.weight"] = Tensor<float>.RandomNormal(rng, 4, 32),
            ["base_model.model.layers.0.mlp.down_proj.lora_B.weight"] = Tensor<float>.RandomNormal(rng, 16, 4),
            ["base_model.model.lm_head.weight"] = Tensor<float>.RandomNormal(rng, 3, 16),
        };
        var path = dir.File("adapter_model.safetensors");
        SafetensorsWriter.Write(path, tensors);
        using var file = SafetensorsFile.Open(path);
        var adapter = LoraAdapter.FromTensors(file.Entries.ToDictionary(e => e.Name, e => file.Read<double>(e.Name)), path);
        Assert.Equal(["base_model.model.layers.0.mlp.down_proj", "base_model.model.layers.0.self_attn.q_proj"], adapter.Modules.Select(m => m.Name));
        Assert.Equal(["base_model.model.lm_head.weight"], adapter.Ignored);
        var down = adapter.Modules[0];
        Assert.Equal(4, down.Rank);
        Assert.Equal([16, 4], down.U.ShapeArray());
        Assert.Equal([32, 4], down.V.ShapeArray());
        Assert.True(down.Delta.MaxAbsDiff(down.U.MatMul(down.V.Transpose())) < 1e-12);

        tensors.Remove("base_model.model.layers.0.mlp.down_proj.lora_B.weight");
        var e = Assert.Throws<InvalidDataException>(() => LoraAdapter.FromTensors(tensors, "x.safetensors"));
        Assert.Contains("x.safetensors: module 'base_model.model.layers.0.mlp.down_proj' has lora_A but no lora_B", e.Message);
        tensors["base_model.model.layers.0.mlp.down_proj.lora_B.weight"] = Tensor<float>.RandomNormal(rng, 16, 3);
        Assert.Contains("ranks differ", Assert.Throws<InvalidDataException>(() => LoraAdapter.FromTensors(tensors, "x")).Message);
    }

    [Fact]
    public void Adapter_of_a_lora_mlp_is_the_difference_its_adapters_make()
    {
        var graph = Builders.LoraMlp(6, [5], 3, rank: 2);
        var model = Model<double>.Initialize(graph, new Rng(2));
        foreach (var p in graph.Parameters.Where(p => p.Name.Contains("lora_B"))) model[p.Name].CopyFrom(Tensor<double>.RandomNormal(new Rng(4), p.Shape));
        var adapter = LoraAdapter.FromTensors(model.Parameters, graph.Name);
        Assert.Equal(2, adapter.Modules.Count);
        // Merging ΔW = B·A into every base weight and zeroing the adapters leaves the function unchanged.
        var merged = new Dictionary<string, Tensor<double>>();
        foreach (var m in adapter.Modules)
        {
            merged[$"{m.Name}.base_layer.weight"] = model[$"{m.Name}.base_layer.weight"] + m.Delta;
            merged[$"{m.Name}.lora_B.weight"] = Tensor<double>.Zeros(m.B.ShapeArray());
        }
        var x = Tensor<double>.RandomNormal(new Rng(9), 7, 6);
        Assert.True(model.Predict(x)[0].MaxAbsDiff(model.WithParameters(merged).Predict(x)[0]) < 1e-12);
        Assert.True(model.Predict(x)[0].MaxAbsDiff(model.WithParameters(merged.Where(kv => kv.Key.Contains("lora_B")).ToDictionary()).Predict(x)[0]) > 1e-3);
    }
}
