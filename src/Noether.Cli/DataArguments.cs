using Noether.IO.Numpy;
using Noether.Nn;
using Noether.Nn.Data;
using Noether.Tensors;

namespace Noether.Cli;

/// <summary>Data sets for verbs: a built-in name (digits, fashion-mnist) or an .npz file with x [N, …] and y [N].</summary>
internal static class DataArguments
{
    /// <summary>Training and test splits (an .npz file serves as both).</summary>
    public static (Dataset Train, Dataset Test) Load(string data, string? directory = null)
    {
        if (data.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
        {
            var d = NpzDataset.Load(data);
            return (d, d);
        }
        return Datasets.Load(data, directory);
    }

    /// <summary>The data reshaped to the model's input when the sizes agree (images for an MLP, say); else unchanged.</summary>
    public static Dataset Fit(Dataset data, Graph graph)
    {
        var input = graph.Inputs[0].Shape;
        return Shapes.Size(input) == Shapes.Size(data.SampleShape) ? data.WithSampleShape(input) : data;
    }
}
