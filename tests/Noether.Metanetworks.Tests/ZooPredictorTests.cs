using Noether.IO;
using Noether.Metanetworks.Zoo;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Metanetworks.Tests;

public class ZooPredictorTests
{
    [Fact]
    public void Kendall_tau_and_r2_match_hand_computed_values()
    {
        // Pairs of (1,2,3,4) vs (1,3,2,4): 5 concordant, 1 discordant.
        Assert.Equal(4.0 / 6, RankMetrics.KendallTau([1, 2, 3, 4], [1, 3, 2, 4]), 12);
        Assert.Equal(-1, RankMetrics.KendallTau([1, 2, 3], [3, 2, 1]), 12);
        // τ-b with a tie in x: n_c = 2, n_d = 0, ties only in x: 1 → 2 / √(3·2).
        Assert.Equal(2 / Math.Sqrt(6), RankMetrics.KendallTau([1, 1, 2], [1, 2, 3]), 12);
        Assert.Equal(1, RankMetrics.R2([1, 2, 3], [1, 2, 3]), 12);
        Assert.Equal(0, RankMetrics.R2([2, 2, 2], [1, 2, 3]), 12);
        Assert.Equal(1 - 2.0 / 2, RankMetrics.R2([2, 2, 4], [1, 2, 3]), 12);
    }

    [Fact]
    public void Index_round_trips_and_bad_rows_name_file_and_line()
    {
        using var dir = new IO.Tests.TempDir();
        var path = dir.File(ZooIndex.FileName);
        var entries = new[]
        {
            new ZooEntry("a.safetensors", 0.5, new Dictionary<string, string> { ["lr"] = "0.01", ["epochs"] = "3" }),
            new ZooEntry("b.safetensors", 0.875, new Dictionary<string, string> { ["epochs"] = "1", ["lr"] = "0.1" }),
        };
        ZooIndex.Write(path, entries);
        var back = ZooIndex.Read(path);
        Assert.Equal(["a.safetensors", "b.safetensors"], back.Select(e => e.File));
        Assert.Equal([0.5, 0.875], back.Select(e => e.TestAccuracy));
        Assert.Equal("0.1", back[1].Hyperparameters["lr"]);
        File.AppendAllText(path, "c.safetensors,1.5,0.1,2\n");
        Assert.Contains($"{path}:4: test_accuracy '1.5'", Assert.Throws<InvalidDataException>(() => ZooIndex.Read(path)).Message);
        File.WriteAllText(path, "file,test_accuracy\nx,0.1,extra\n");
        Assert.Contains($"{path}:2: 3 columns", Assert.Throws<InvalidDataException>(() => ZooIndex.Read(path)).Message);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Index_of_noether_zoo_generate_keeps_final_checkpoints_and_skips_diverged_models()
    {
        using var dir = new IO.Tests.TempDir();
        var path = dir.File(ZooIndex.FileName);
        File.WriteAllText(path, """"
            model,epoch,final,file,test_accuracy,test_loss,status,lr,optimizer
            0,1,false,models/m000000-e001.safetensors,0.5,1.2,ok,0.01,"sgd, momentum"
            0,3,true,models/m000000-e003.safetensors,0.75,0.8,ok,0.01,"sgd, momentum"
            1,,,,,,diverged,3,adam
            2,3,true,models/m000002-e003.safetensors,0.25,2.0,ok,0.001,"say ""hi"""

            """");
        var final = ZooIndex.Read(path);
        Assert.Equal(["models/m000000-e003.safetensors", "models/m000002-e003.safetensors"], final.Select(e => e.File));
        Assert.Equal("sgd, momentum", final[0].Hyperparameters["optimizer"]);
        Assert.Equal("say \"hi\"", final[1].Hyperparameters["optimizer"]);
        Assert.Equal(3, ZooIndex.Read(path, allCheckpoints: true).Count);
    }

    /// <summary>A zoo whose "accuracy" is a permutation-invariant function of the weights: every method must rank it.</summary>
    private static (Model<double>[] Models, double[] Targets) SyntheticZoo(int count)
    {
        var graph = Builders.Mlp(3, [4], 2);
        var models = Enumerable.Range(0, count).Select(i =>
        {
            var m = Model<double>.Initialize(graph, new Rng((ulong)i));
            double s = 0.3 + 2.0 * i / count;
            foreach (var t in m.Parameters.Values) t.CopyFrom(t * s);
            return m;
        }).ToArray();
        var targets = models.Select(m => m.Parameters.Values.SelectMany(t => t.ToArray()).Average(Math.Abs)).ToArray();
        return (models, targets);
    }

    [Theory]
    [InlineData(ZooMethod.Stats, false)]
    [InlineData(ZooMethod.Mlp, false)]
    [InlineData(ZooMethod.Mlp, true)]
    [InlineData(ZooMethod.Nfn, false)]
    [InlineData(ZooMethod.NfnNp, false)]
    [InlineData(ZooMethod.Gmn, false)]
    public void Every_method_learns_a_weight_norm_target(ZooMethod method, bool augment)
    {
        var (models, targets) = SyntheticZoo(96);
        var r = ZooPredictor.Run(models, targets, new ZooPredictorOptions(method, augment, Epochs: 60, BatchSize: 12, LearningRate: 3e-3, Hidden: 4));
        Assert.Equal(24, r.TestModels);
        Assert.Equal(72, r.TrainModels);
        // The plain flat MLP (31k weights for 72 models, no symmetry) is the weak baseline by design.
        double floor = method == ZooMethod.Mlp && !augment ? 0.3 : 0.5;
        Assert.True(r.KendallTau > floor, $"{method}: τ = {r.KendallTau}, R² = {r.R2}");
    }

    [Fact]
    public void Runs_from_a_zoo_directory_and_refuses_mixed_architectures()
    {
        using var dir = new IO.Tests.TempDir();
        var (models, targets) = SyntheticZoo(12);
        var entries = models.Select((m, i) =>
        {
            ModelFiles.Save(m, dir.File($"m{i}.safetensors"));
            return new ZooEntry($"m{i}.safetensors", targets[i], new Dictionary<string, string> { ["seed"] = i.ToString() });
        }).ToArray();
        ZooIndex.Write(dir.File(ZooIndex.FileName), entries);
        var r = ZooPredictor.Run(dir.Path, ModelFiles.Load<double>, new ZooPredictorOptions(ZooMethod.Stats));
        Assert.Equal(3, r.TestModels);
        Assert.Equal(models.Length - 3, r.TrainModels);

        var mixed = models.Take(5).Append(Model<double>.Initialize(Builders.Mlp(3, [5], 2), new Rng(1))).ToArray();
        var e = Assert.Throws<ArgumentException>(() => ZooPredictor.Run(mixed, targets.Take(6).ToArray(), new ZooPredictorOptions(ZooMethod.Gmn)));
        Assert.Contains("Zoo model 5", e.Message);
        Assert.Throws<ArgumentException>(() => ZooPredictor.Run(models, targets, new ZooPredictorOptions(ZooMethod.Nfn, Augment: true)));
    }
}
