using Noether.Tensors.Autodiff;

namespace Noether.Symmetry.Teleportation;

/// <summary>
/// A scalar loss of a model's outputs on the teleportation batch (targets are captured by the delegate). Teleportation
/// runs the forward pass itself so that it can read the gradient of every parameter.
/// </summary>
/// <param name="outputs">One variable per graph output, [batch, …].</param>
public delegate Variable<double> OutputLoss(IReadOnlyList<Variable<double>> outputs);
