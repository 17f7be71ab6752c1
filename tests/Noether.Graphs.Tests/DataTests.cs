using Noether.Graphs.Data;
using Noether.Tensors;

namespace Noether.Graphs.Tests;

public class DataTests
{
    private static string MoleculeFile => Path.Combine(AppContext.BaseDirectory, "data", "molecules-nci5k.txt.gz");

    [Fact]
    public void CycleCountsOfKnownGraphs()
    {
        Assert.Equal([0, 0, 0, 4, 3, 0, 0], CycleGraphs.CountCycles(GraphFixtures.Complete(4), 6));
        Assert.Equal([0, 0, 0, 10, 15, 12, 0], CycleGraphs.CountCycles(GraphFixtures.Complete(5), 6));
        Assert.Equal([0, 0, 0, 0, 0, 12, 10], CycleGraphs.CountCycles(GraphFixtures.Petersen(), 6));
        Assert.Equal([0, 0, 0, 0, 0, 0, 1], CycleGraphs.CountCycles(GraphFixtures.Cycle(6), 6));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0], CycleGraphs.CountCycles(GraphFixtures.Cycle(7), 6));
        Assert.Equal([0, 0, 0, 0, 4, 0, 4], CycleGraphs.CountCycles(GraphFixtures.Grid(3, 3), 6));
    }

    [Fact]
    public void CycleDatasetIsFixedBySeedAndHasCounts()
    {
        var a = CycleGraphs.Create(50, 10, 10);
        var b = CycleGraphs.Create(50, 10, 10);
        Assert.Equal(a.Test.Select(g => g.EdgeCount), b.Test.Select(g => g.EdgeCount));
        Assert.Equal(a.Train.SelectMany(g => g.Targets), b.Train.SelectMany(g => g.Targets));
        Assert.True(a.Train.Sum(g => g.Targets[0]) > 0 && a.Train.Sum(g => g.Targets[3]) > 0);
        Assert.Equal(3, a.TargetIndex("cycle6"));
        Assert.Contains("cycle3, cycle4", Assert.Throws<ArgumentException>(() => a.TargetIndex("cycle9")).Message);
    }

    [Fact]
    public void MoleculeFileLoadsWithTargetsAndFixedSplits()
    {
        var (targets, graphs) = MoleculeGraphs.Read(MoleculeFile);
        Assert.Equal(["tpsa", "rings", "logp"], targets);
        Assert.Equal(4993, graphs.Count);
        // CC1=CC(=O)C=CC1=O (2-methyl-p-benzoquinone): 9 heavy atoms, 9 bonds, TPSA 34.14, one ring.
        Assert.Equal(9, graphs[0].NodeCount);
        Assert.Equal(9, graphs[0].EdgeCount);
        Assert.Equal(34.14, graphs[0].Targets[0]);
        Assert.Equal(1, graphs[0].Targets[1]);
        Assert.Contains(graphs, g => Noether.Graphs.Spectral.GraphSpectrum.Of(g).Eigenspaces[0].Dimension > 1); // salts: disconnected
        var ds = MoleculeGraphs.Load(MoleculeFile, maxTrain: 100);
        Assert.Equal(100, ds.Train.Count);
        Assert.Equal(500, ds.Test.Count);
        Assert.Equal(MoleculeGraphs.Load(MoleculeFile).Test[0].Name, ds.Test[0].Name);
    }

    [Fact]
    public void TruncatedMoleculeFileNamesTheLine()
    {
        string path = Path.Combine(Path.GetTempPath(), $"noether-mol-{Guid.NewGuid():N}.txt.gz");
        try
        {
            using (var f = File.Create(path))
            using (var gz = new System.IO.Compression.GZipStream(f, System.IO.Compression.CompressionLevel.Fastest))
            using (var w = new StreamWriter(gz))
                w.Write("targets tpsa\nm 2 1 3.5\na 6,0,0,3 6,0,0,3\n");
            var e = Assert.Throws<FormatException>(() => MoleculeGraphs.Read(path));
            Assert.Contains($"{path}: line 4: file ends inside a molecule", e.Message);
        }
        finally { File.Delete(path); }
    }
}
