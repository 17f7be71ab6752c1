using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Multi-head self-attention on [N, S, D] with optional causal mask and grouped-query K/V heads
/// (<see cref="KvHeads"/> divides <see cref="Heads"/>; each K/V head serves Heads/KvHeads query heads).
/// Parameters: q_proj [H·dk, D], k_proj and v_proj [KvH·dk, D], o_proj [D, H·dk], each with optional bias.
/// With <see cref="Rotary"/>, queries and keys are rotated per position (RoPE, positions 0..S−1) after projection.
/// <see cref="Bias"/> gives q_proj, k_proj and v_proj biases, and o_proj one too unless <see cref="OutputBias"/> says
/// otherwise (Qwen2: biases on q, k and v only).
/// </summary>
public sealed record AttentionOp(int Model, int Heads, int KvHeads, bool Causal = false, bool Bias = true, RotaryEmbedding? Rotary = null,
    bool? OutputBias = null) : Op
{
    /// <summary>Whether o_proj has a bias: <see cref="OutputBias"/> when given, else <see cref="Bias"/>.</summary>
    public bool HasOutputBias => OutputBias ?? Bias;

    /// <summary>Per-head dimension d_k = Model / Heads.</summary>
    public int HeadDim => Model / Heads;

    public override string Kind => "Attention";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            double bound = 1 / Math.Sqrt(Model);
            var slots = new List<ParameterSlot>();
            void Proj(string name, int outF, int inF)
            {
                slots.Add(new($"{name}.weight", [outF, inF], Initializer.Uniform(1 / Math.Sqrt(inF))));
                if (name == "o_proj" ? HasOutputBias : Bias) slots.Add(new($"{name}.bias", [outF], Initializer.Uniform(1 / Math.Sqrt(inF))));
            }
            Proj("q_proj", Heads * HeadDim, Model);
            Proj("k_proj", KvHeads * HeadDim, Model);
            Proj("v_proj", KvHeads * HeadDim, Model);
            Proj("o_proj", Model, Heads * HeadDim);
            return slots;
        }
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = Expect(inputs[0], 2, "[S, D]");
        if (s[1] != Model) throw new ShapeMismatchException(Kind, $"expects model width {Model}", s);
        if (Heads < 1 || Model % Heads != 0 || KvHeads < 1 || Heads % KvHeads != 0)
            throw new ArgumentException($"Attention: heads {Heads} must divide model width {Model} and be a multiple of kv heads {KvHeads}");
        Rotary?.Validate(HeadDim);
        return s;
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> inputs)
    {
        var x = inputs[0];
        int n = x.Value.Dim(0), s = x.Value.Dim(1), dk = HeadDim, group = Heads / KvHeads;
        Variable<T> Project(string name, Variable<T> v)
        {
            var y = Ops.MatMul(v, Ops.Transpose(c.Parameter($"{name}.weight")));
            return (name == "o_proj" ? HasOutputBias : Bias) ? y + c.Parameter($"{name}.bias") : y;
        }
        // [N, S, H·dk] → [N, H, S, dk]
        Variable<T> Split(Variable<T> v, int heads) => Ops.Permute(Ops.Reshape(v, n, s, heads, dk), 0, 2, 1, 3);
        var q = Split(Project("q_proj", x), Heads);
        var k = Split(Project("k_proj", x), KvHeads);
        var v = Split(Project("v_proj", x), KvHeads);
        if (Rotary is { } rope)
        {
            var (cos, sin, rotate) = rope.Tables(s, dk);
            var (cs, sn, rot) = (Variable<T>.Constant(cos.Cast<T>()), Variable<T>.Constant(sin.Cast<T>()), Variable<T>.Constant(rotate.Cast<T>()));
            Variable<T> Rope(Variable<T> h) => h * cs + Ops.MatMul(h, rot) * sn;
            q = Rope(q);
            k = Rope(k);
        }
        if (group > 1)
        {
            // Each K/V head serves `group` consecutive query heads.
            k = Ops.Reshape(Ops.BroadcastTo(Ops.Reshape(k, n, KvHeads, 1, s, dk), n, KvHeads, group, s, dk), n, Heads, s, dk);
            v = Ops.Reshape(Ops.BroadcastTo(Ops.Reshape(v, n, KvHeads, 1, s, dk), n, KvHeads, group, s, dk), n, Heads, s, dk);
        }
        var scores = Ops.Scale(Ops.MatMul(q, Ops.Transpose(k)), T.One / T.Sqrt(T.CreateChecked(dk)));
        if (Causal)
        {
            var mask = new Tensor<T>(s, s);
            for (int i = 0; i < s; i++) for (int j = i + 1; j < s; j++) mask[i, j] = T.NegativeInfinity;
            scores = scores + Variable<T>.Constant(mask);
        }
        var attended = Ops.MatMul(Ops.Softmax(scores, -1), v);                   // [N, H, S, dk]
        var merged = Ops.Reshape(Ops.Permute(attended, 0, 2, 1, 3), n, s, Heads * dk);
        return Project("o_proj", merged);
    }

    public override string Describe() => $"Attention(d {Model}, heads {Heads}, kv heads {KvHeads}{(Causal ? ", causal" : "")}{(Bias ? "" : ", no bias")}{(OutputBias is bool ob && ob != Bias ? (ob ? ", output bias" : ", no output bias") : "")}{(Rotary is { } r ? $", {r}" : "")})";
}
