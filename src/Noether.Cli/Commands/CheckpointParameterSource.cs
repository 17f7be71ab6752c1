using Noether.Alignment.Provenance;
using Noether.IO.HuggingFace;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.Cli.Commands;

/// <summary>A Hugging Face checkpoint folder read one tensor at a time, as the provenance test's parameter source.</summary>
internal sealed class CheckpointParameterSource(CheckpointTensors tensors) : IParameterSource, IDisposable
{
    public string Name { get; } = Path.GetFileName(Path.TrimEndingDirectorySeparator(tensors.Folder));

    public Graph Graph => tensors.Graph;

    public Tensor<float> Read(string parameter) => tensors.Read(parameter);

    public void Dispose() => tensors.Dispose();
}
