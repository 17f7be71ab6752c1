namespace Noether.Plots.Tests;

public class AtomicWriteTests
{
    [Fact]
    public void Write_leaves_exactly_the_three_files_and_returns_their_paths()
    {
        using var dir = new TempDir();
        var paths = PlotFiles.Write(Samples.Loss(), dir.File("sub/loss"));
        Assert.Equal(dir.File("sub/loss.svg"), paths.Svg);
        Assert.Equal(dir.File("sub/loss.png"), paths.Png);
        Assert.Equal(dir.File("sub/loss.csv"), paths.Csv);
        Assert.Equal(
            new[] { "loss.csv", "loss.png", "loss.svg" },
            Directory.GetFiles(dir.File("sub")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Rewriting_replaces_the_files_without_leaving_temporaries()
    {
        using var dir = new TempDir();
        PlotFiles.Write(Samples.Loss(), dir.File("p"));
        var second = new LinePlot("again", "x", "y", [new Series("s", [1, 2], [3, 4])]);
        var paths = PlotFiles.Write(second, dir.File("p"));
        Assert.Equal("series,x,y\ns,1,3\ns,2,4\n", File.ReadAllText(paths.Csv));
        Assert.Contains(">", File.ReadAllText(paths.Svg));
        Assert.Contains("again", File.ReadAllText(paths.Svg));
        Assert.Equal(3, Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void A_failed_write_removes_its_temporary_file()
    {
        using var dir = new TempDir();
        string target = dir.File("taken");
        Directory.CreateDirectory(target); // a directory where the file should go: the rename must fail
        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllBytes(target, [1, 2, 3]));
        Assert.Equal([target], Directory.GetFileSystemEntries(dir.Path));
    }
}
