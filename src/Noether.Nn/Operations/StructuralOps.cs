using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>Flattens all per-sample axes into one: [N, d1, d2, …] → [N, d1·d2·…].</summary>
public sealed record FlattenOp : Op
{
    public override string Kind => "Flatten";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => [Shapes.Size(inputs[0])];
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.Reshape(x[0], x[0].Value.Dim(0), -1);
    public override string Describe() => "Flatten";
}

/// <summary>Elementwise sum of two values of equal shape (residual connections).</summary>
public sealed record AddOp : Op
{
    public override string Kind => "Add";
    public override int InputCount => 2;
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (!inputs[0].SequenceEqual(inputs[1])) throw new ShapeMismatchException(Kind, "residual branches must have equal shapes", inputs[0], inputs[1]);
        return inputs[0];
    }
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => x[0] + x[1];
    public override string Describe() => "Add";
}

/// <summary>Concatenation along a per-sample axis (0 = first axis after the batch).</summary>
public sealed record ConcatOp(int Axis, int Count = 2) : Op
{
    public override string Kind => "Concat";
    public override int InputCount => Count;
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var r = (int[])inputs[0].Clone();
        if (Axis < 0 || Axis >= r.Length) throw new ShapeMismatchException(Kind, $"axis {Axis} out of range", r);
        for (int i = 1; i < inputs.Count; i++)
        {
            var s = inputs[i];
            if (s.Length != r.Length || Enumerable.Range(0, r.Length).Any(a => a != Axis && s[a] != r[a]))
                throw new ShapeMismatchException(Kind, $"shapes must agree except along axis {Axis}", inputs[0], s);
            r[Axis] += s[Axis];
        }
        return r;
    }
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.Concat(x, Axis + 1);
    public override string Describe() => $"Concat(axis {Axis})";
}

/// <summary>An elementwise activation.</summary>
public sealed record ActivationOp(Activation Function) : Op
{
    public override string Kind => "Activation";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Function.Apply(x[0]);
    public override string Describe() => Function.Name;
}

/// <summary>Softmax along a per-sample axis (default: the last).</summary>
public sealed record SoftmaxOp(int Axis = -1) : Op
{
    public override string Kind => "Softmax";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.Softmax(x[0], Axis < 0 ? Axis : Axis + 1);
    public override string Describe() => $"Softmax(axis {Axis})";
}

/// <summary>Mean over one per-sample axis (e.g. pooling a sequence of tokens).</summary>
public sealed record ReduceMeanOp(int Axis) : Op
{
    public override string Kind => "ReduceMean";
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (Axis < 0 || Axis >= inputs[0].Length) throw new ShapeMismatchException(Kind, $"axis {Axis} out of range", inputs[0]);
        return inputs[0].Where((_, i) => i != Axis).ToArray();
    }
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.Mean(x[0], Axis + 1);
    public override string Describe() => $"ReduceMean(axis {Axis})";
}

/// <summary>Reshapes each sample to a fixed per-sample shape.</summary>
public sealed record ReshapeOp(int[] Shape) : Op
{
    public override string Kind => "Reshape";
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (Shapes.Size(inputs[0]) != Shapes.Size(Shape)) throw new ShapeMismatchException(Kind, "element counts differ", inputs[0], Shape);
        return (int[])Shape.Clone();
    }
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.Reshape(x[0], [x[0].Value.Dim(0), .. Shape]);
    public override string Describe() => $"Reshape({Shapes.Format(Shape)})";
    public bool Equals(ReshapeOp? other) => other is not null && Shape.SequenceEqual(other.Shape);
    public override int GetHashCode() => Shape.Length;
}

/// <summary>Adds a learned tensor of the per-sample shape (e.g. a positional embedding [S, D]).</summary>
public sealed record LearnedBiasOp(int[] Shape, double InitStd = 0.02) : Op
{
    public override string Kind => "LearnedBias";
    public override IReadOnlyList<ParameterSlot> Parameters => [new("weight", (int[])Shape.Clone(), Initializer.Normal(InitStd))];
    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (!inputs[0].SequenceEqual(Shape)) throw new ShapeMismatchException(Kind, "input must match the bias shape", inputs[0], Shape);
        return inputs[0];
    }
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => x[0] + c.Parameter("weight");
    public override string Describe() => $"LearnedBias({Shapes.Format(Shape)})";
    public bool Equals(LearnedBiasOp? other) => other is not null && Shape.SequenceEqual(other.Shape) && InitStd == other.InitStd;
    public override int GetHashCode() => Shape.Length;
}

/// <summary>Inverted dropout: in training, zeroes each element with probability P and scales the rest by 1/(1−P).</summary>
public sealed record DropoutOp(double P) : Op
{
    public override string Kind => "Dropout";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        if (!c.Training || P == 0) return x[0];
        var mask = new Tensor<T>(x[0].Value.ShapeArray());
        var s = mask.Span; T keep = T.CreateChecked(1 / (1 - P));
        for (int i = 0; i < s.Length; i++) s[i] = c.Rng.NextDouble() >= P ? keep : T.Zero;
        return x[0] * Variable<T>.Constant(mask);
    }
    public override string Describe() => $"Dropout({P})";
}

/// <summary>Token embedding: integer ids (stored as floats) [N, S] → [N, S, D]; weight [Vocab, D].</summary>
public sealed record EmbeddingOp(int Vocab, int Dim) : Op
{
    public override string Kind => "Embedding";
    public override IReadOnlyList<ParameterSlot> Parameters => [new("weight", [Vocab, Dim], Initializer.Normal(1))];
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => [.. inputs[0], Dim];
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var ids = x[0].Value.ToArray().Select(v =>
        {
            int id = int.CreateSaturating(v);
            if (T.CreateChecked(id) != v || id < 0 || id >= Vocab) throw new ArgumentException($"Embedding: token id {v} is not an integer in [0, {Vocab})");
            return id;
        }).ToArray();
        var rows = Ops.Gather(c.Parameter("weight"), ids);
        return Ops.Reshape(rows, [.. x[0].Value.ShapeArray(), Dim]);
    }
    public override string Describe() => $"Embedding({Vocab} × {Dim})";
}
