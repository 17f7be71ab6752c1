using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO.HuggingFace;

/// <summary>
/// Where a graph parameter lives in a checkpoint: the whole of tensor <see cref="Tensor"/>, or the block
/// [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) of it along <see cref="Axis"/>, transposed when
/// <see cref="Transpose"/> (GPT-2's Conv1D layers store [in, out], the graph [out, in]; its c_attn holds q, k and v side
/// by side).
/// </summary>
internal sealed record HfBinding(string Parameter, string Tensor, int[] TensorShape, int Axis = 0, int Start = 0, int Length = -1, bool Transpose = false)
{
    /// <summary>True when the parameter is the stored tensor as it is.</summary>
    public bool Whole => Length < 0 && !Transpose;

    /// <summary>The parameter's values cut from the stored tensor.</summary>
    public Tensor<T> Extract<T>(Tensor<T> stored) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var t = Length < 0 ? stored : stored.Slice(Axis, Start, Start + Length).Contiguous();
        return Transpose ? t.Transpose().Contiguous() : t;
    }

    /// <summary>Writes the parameter's values back into their place in <paramref name="stored"/>.</summary>
    public void Insert(Tensor<double> stored, Tensor<double> parameter)
    {
        var p = Transpose ? parameter.Transpose().Contiguous() : parameter;
        if (Length < 0) stored.CopyFrom(p);
        else stored.Slice(Axis, Start, Start + Length).CopyFrom(p);
    }
}

/// <summary>
/// What a config describes: the graph, where each of its parameters is stored (<see cref="Bindings"/>, one per
/// parameter, plus a second binding for a tied tensor the file stores twice), and which stored tensors the graph does
/// not need (buffers such as GPT-2's causal mask), kept as they are when the checkpoint is written back.
/// </summary>
internal sealed record HfLayout(string Architecture, Graph Graph, IReadOnlyList<HfBinding> Bindings, Func<string, bool> Ignorable, string? Note = null);
