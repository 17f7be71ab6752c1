using System.Numerics;
using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Metanetworks.Augmentation;

/// <summary>
/// Symmetry as data augmentation (for metanetworks that are not equivariant, such as a flat MLP on the weights): random
/// elements of the model's derived weight-space group applied to the input network, so every augmented copy computes
/// the same function.
/// </summary>
public static class SymmetryAugmentation
{
    /// <summary>
    /// A random element of <paramref name="spec"/>'s group. With <paramref name="permutationsOnly"/> every factor keeps
    /// only its permutation (scales 1; continuous factors such as attention's GL(d_k) stay at the identity), which is
    /// still an element of the group.
    /// </summary>
    public static ProductElement RandomElement(WeightSpaceSpec spec, Rng rng, bool permutationsOnly = true)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rng);
        if (!permutationsOnly) return spec.Random(rng);
        return new ProductElement(spec.Factors.Select(f => f.Group.Random(rng) switch
        {
            MonomialElement m => (GroupElement)MonomialElement.FromPermutation(m.Perm.ToArray()),
            ChannelElement c => new ChannelElement(c.Segment(0).Perm.ToArray(), Enumerable.Range(0, c.Segments).Select(_ => Enumerable.Repeat(1.0, c.Channels).ToArray()).ToArray()),
            _ => f.Group.Identity,
        }).ToArray());
    }

    /// <summary>The model transformed by a random element of its derived group (<see cref="RandomElement"/>).</summary>
    public static Model<T> Augment<T>(Model<T> model, WeightSpaceSpec spec, Rng rng, bool permutationsOnly = true) where T : unmanaged, IFloatingPointIeee754<T>
        => GroupAction.Apply(model, spec, RandomElement(spec, rng, permutationsOnly));
}
