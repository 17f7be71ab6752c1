using System.Numerics;
using System.Text.Json.Serialization;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>Which way a recurrent layer reads its sequence.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RecurrentDirection>))]
public enum RecurrentDirection
{
    /// <summary>First step to last.</summary>
    Forward,
    /// <summary>Last step to first.</summary>
    Reverse,
    /// <summary>Both, with separate weights; outputs stacked forward then reverse.</summary>
    Bidirectional,
}

/// <summary>
/// The shared machinery of <see cref="LstmOp"/> and <see cref="GruOp"/>: parameter roles, directions, the input
/// projection of all steps at once, and stacking of the per-step hidden states into [N, T, D, H].
/// </summary>
/// <remarks>
/// Parameters are split per gate and direction so each is a plain matrix or vector over hidden units:
/// <c>weight_ih_{g}</c> [H, I], <c>weight_hh_{g}</c> [H, H], <c>bias_ih_{g}</c> [H], <c>bias_hh_{g}</c> [H] for gate g
/// (ONNX's letters: i, o, f, c for LSTM; z, r, h for GRU), with the suffix <c>_reverse</c> for the reverse direction
/// (PyTorch's convention). A permutation of hidden units then acts on axis 0 of every gate parameter and on axis 1
/// of every <c>weight_hh</c>.
/// </remarks>
public static class Recurrence
{
    /// <summary>The directions of a layer: the parameter-role suffix and whether the steps run backwards.</summary>
    public static IReadOnlyList<(string Suffix, bool Backwards)> Directions(RecurrentDirection direction) => direction switch
    {
        RecurrentDirection.Forward => [("", false)],
        RecurrentDirection.Reverse => [("", true)],
        _ => [("", false), ("_reverse", true)],
    };

    /// <summary>How many directions the layer has (ONNX's num_directions).</summary>
    public static int Count(RecurrentDirection direction) => direction == RecurrentDirection.Bidirectional ? 2 : 1;

    /// <summary>The role of a parameter of gate <paramref name="gate"/> (e.g. <c>weight_ih_i_reverse</c>).</summary>
    public static string Role(string kind, char gate, string suffix) => $"{kind}_{gate}{suffix}";

    /// <summary>The four parameters of every gate, PyTorch's init U(−1/√H, 1/√H).</summary>
    internal static IEnumerable<ParameterSlot> GateSlots(string gates, int input, int hidden, RecurrentDirection direction)
    {
        var init = Initializer.Uniform(1 / Math.Sqrt(Math.Max(1, hidden)));
        foreach (var (suffix, _) in Directions(direction))
            foreach (char g in gates)
            {
                yield return new(Role("weight_ih", g, suffix), [hidden, input], init);
                yield return new(Role("weight_hh", g, suffix), [hidden, hidden], init);
                yield return new(Role("bias_ih", g, suffix), [hidden], init);
                yield return new(Role("bias_hh", g, suffix), [hidden], init);
            }
    }

    /// <summary>Checks a per-sample input [T, I] and returns the output shape [T, D, H] (or [T + 1, D, H]).</summary>
    internal static int[] InferShape(string kind, int[] s, int input, int hidden, RecurrentDirection direction, bool extraStep)
    {
        if (s.Length != 2 || s[1] != input)
            throw new ShapeMismatchException(kind, $"expects a per-sample input [T, {input}] (batch first, then the sequence)", s);
        if (s[0] < 1) throw new ShapeMismatchException(kind, "needs a sequence of at least one step", s);
        if (hidden < 1) throw new ShapeMismatchException(kind, $"hidden size {hidden} must be positive", s);
        return [s[0] + (extraStep ? 1 : 0), Count(direction), hidden];
    }

    /// <summary>x·W_gᵀ + b_ih,g (+ b_hh,g when <paramref name="withHiddenBias"/>) for every step and gate: [N, T, G·H].</summary>
    internal static Variable<T> InputProjection<T>(OpContext<T> c, Variable<T> x, string gates, string suffix, bool withHiddenBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = Ops.Concat(gates.Select(g => c.Parameter(Role("weight_ih", g, suffix))).ToArray(), 0);
        var b = Ops.Concat(gates.Select(g => withHiddenBias
            ? c.Parameter(Role("bias_ih", g, suffix)) + c.Parameter(Role("bias_hh", g, suffix))
            : c.Parameter(Role("bias_ih", g, suffix))).ToArray(), 0);
        return Ops.MatMul(x, Ops.Transpose(w)) + b;
    }

    /// <summary>The stacked recurrent weights [H, G·H] (transposed), for h·Rᵀ of all gates at once.</summary>
    internal static Variable<T> RecurrentWeights<T>(OpContext<T> c, string gates, string suffix) where T : unmanaged, IFloatingPointIeee754<T>
        => Ops.Transpose(Ops.Concat(gates.Select(g => c.Parameter(Role("weight_hh", g, suffix))).ToArray(), 0));

    /// <summary>Gate <paramref name="k"/> of a [N, G·H] pre-activation.</summary>
    internal static Variable<T> Gate<T>(Variable<T> all, int k, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
        => Ops.Slice(all, 1, k * hidden, (k + 1) * hidden);

    /// <summary>Step t of a [N, T, F] tensor as [N, F].</summary>
    internal static Variable<T> Step<T>(Variable<T> xs, int t) where T : unmanaged, IFloatingPointIeee754<T>
        => Ops.Reshape(Ops.Slice(xs, 1, t, t + 1), xs.Value.Dim(0), xs.Value.Dim(2));

    /// <summary>The initial state [N, H]: a stored one broadcast over the batch, or zeros.</summary>
    internal static Variable<T> Initial<T>(OpContext<T> c, string? role, int n, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
        => role is null ? Variable<T>.Constant(new Tensor<T>(n, hidden)) : Ops.BroadcastTo(c.Parameter(role), n, hidden);

    /// <summary>Per-direction sequences of [N, H] states (in step order) stacked into [N, T, D, H].</summary>
    internal static Variable<T> Stack<T>(IReadOnlyList<Variable<T>[]> directions) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var perDirection = directions.Select(states =>
            Ops.Concat(states.Select(h => Ops.Reshape(h, h.Value.Dim(0), 1, 1, h.Value.Dim(1))).ToArray(), 1)).ToArray();
        return perDirection.Length == 1 ? perDirection[0] : Ops.Concat(perDirection, 2);
    }
}
