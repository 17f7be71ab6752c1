using Noether.Nn;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Alignment.Provenance;

/// <summary>The gate and up pre-activations of every MLP over a batch of inputs, as unit rows [m, tokens] of unit norm.</summary>
internal static class MlpActivations
{
    private const int Batch = 8;

    public static List<Dictionary<UnitView, Tensor<float>>> Collect(Model<float> model, IReadOnlyList<MlpBlock> blocks, Tensor<float> inputs, CancellationToken cancel)
    {
        int samples = inputs.Dim(0);
        var sampleShape = inputs.ShapeArray()[1..];
        int perSample = Shapes.Size(sampleShape);
        int tokensPerSample = -1;
        var rows = blocks.Select(_ => new Dictionary<UnitView, float[]>()).ToList();
        var span = inputs.Contiguous().Span;
        for (int start = 0; start < samples; start += Batch)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(Batch, samples - start);
            var x = Tensor<float>.FromArray(span.Slice(start * perSample, n * perSample).ToArray(), [n, .. sampleShape]);
            ForwardPass<float> pass;
            using (GradMode.NoGrad()) pass = Executor.Forward(model, [x], training: false, rng: null, fuse: false);
            for (int k = 0; k < blocks.Count; k++)
                foreach (var view in new[] { UnitView.Gate, UnitView.Up })
                {
                    var value = pass.Values[Node(UnitViews.Parameter(blocks[k], view)!)].Value.Contiguous();
                    int m = blocks[k].Units, tokens = value.Length / (n * m);
                    if (tokensPerSample < 0) tokensPerSample = tokens;
                    if (!rows[k].TryGetValue(view, out var all)) rows[k][view] = all = new float[m * samples * tokensPerSample];
                    int total = samples * tokensPerSample, offset = start * tokensPerSample;
                    var v = value.Span; // [n·tokens, m]
                    for (int t = 0; t < n * tokens; t++)
                        for (int u = 0; u < m; u++) all[u * total + offset + t] = v[t * m + u];
                }
        }
        return rows.Select((r, k) => r.ToDictionary(kv => kv.Key, kv => UnitMatching.Normalised(Tensor<float>.FromArray(kv.Value, blocks[k].Units, kv.Value.Length / blocks[k].Units)))).ToList();
    }

    private static string Node(string parameter) => parameter.EndsWith(".weight", StringComparison.Ordinal) ? parameter[..^".weight".Length] : parameter;
}
