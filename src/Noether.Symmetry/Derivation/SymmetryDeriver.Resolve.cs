using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>Intersects the constraints of every segment and component and assembles the factors.</summary>
        public WeightSpaceSpec Resolve(CancellationToken cancel = default)
        {
            // Everything below is grouped by component (and segment) once, so resolving is linear in the graph's size.
            var position = new Dictionary<string, int>(_order.Count);
            for (int i = 0; i < _order.Count; i++) position.TryAdd(_order[i], i);
            int Position(string v) => position.GetValueOrDefault(v, -1);
            var constraintsOf = _constraints.ToLookup(c => _components.Find(c.Value));
            var dependenciesOf = _dependencies.ToLookup(d => _components.Find(d.Output));
            var bindingsOf = _bindings.ToLookup(b => _components.Find(b.Value));
            var shiftsOf = _shifts.ToLookup(s => _components.Find(s.Value));
            var valuesWithChannels = _order.Where(v => _info[v].HasChannels).ToList();
            var factors = new List<(int Order, SymmetryFactor Factor)>();
            foreach (var component in valuesWithChannels.GroupBy(v => _components.Find(v)))
            {
                cancel.ThrowIfCancellationRequested();
                var members = component.ToList();
                int n = _info[members[0]].Channels;
                var segmentRoots = members.Select(v => _segments.Find(v)).Distinct().ToList();
                var groups = segmentRoots.ToDictionary(r => r, r => (Group)Group.GeneralLinear(n));
                var reasons = new List<string>();
                var seenReasons = new HashSet<string>(StringComparer.Ordinal);
                foreach (var c in constraintsOf[component.Key])
                {
                    var root = _segments.Find(c.Value);
                    var tolerated = c.Tolerated?.Invoke(n) ?? Group.Trivial(n);
                    if (tolerated is not GeneralLinearGroup && seenReasons.Add(c.Reason)) reasons.Add(c.Reason);
                    groups[root] = groups[root].Intersect(tolerated);
                }
                var deps = dependenciesOf[component.Key]
                    .Select(d => (Out: _segments.Find(d.Output), In: _segments.Find(d.Input), d.Phi, d.Reason)).ToList();
                foreach (var d in deps) if (seenReasons.Add(d.Reason)) reasons.Add(d.Reason);
                if (segmentRoots.Count > 1)
                    foreach (var r in segmentRoots) groups[r] = groups[r].Intersect(Group.InvertibleMonomial(n));
                // A φ-dependent segment has no freedom of its own: restrict its parent until φ(parent) fits.
                for (bool changed = true; changed;)
                {
                    changed = false;
                    foreach (var d in deps)
                    {
                        var parent = (MonomialGroup)groups[d.In];
                        var child = (MonomialGroup)groups[d.Out];
                        var allowed = d.Out == d.In ? FixedPoints(d.Phi) : d.Phi.Preimage(child.Diagonal);
                        var meet = MonomialGroup.Meet(parent.Diagonal, allowed);
                        if (meet != parent.Diagonal || (parent.Permutations && !child.Permutations))
                        {
                            groups[d.In] = new MonomialGroup(n, parent.Permutations && child.Permutations, meet);
                            changed = true;
                        }
                    }
                }
                bool permutations = groups.Values.All(g => g is GeneralLinearGroup or OrthogonalGroup || g is MonomialGroup { Permutations: true });
                var dependentRoots = deps.Where(d => d.Out != d.In).ToDictionary(d => d.Out, d => (d.In, d.Phi));
                var ordered = segmentRoots.OrderBy(Position).ToList();
                var index = new Dictionary<string, int>(ordered.Count);
                for (int i = 0; i < ordered.Count; i++) index[ordered[i]] = i;
                var membersOf = members.ToLookup(v => _segments.Find(v));
                var segments = ordered.Select((r, i) => new SegmentInfo(i, membersOf[r].ToList(),
                    dependentRoots.TryGetValue(r, out var p) ? index[p.In] : null, dependentRoots.TryGetValue(r, out var q) ? q.Phi : PhiMap.Identity)).ToList();
                Group group;
                if (ordered.Count == 1) group = groups[ordered[0]];
                else group = new ChannelGroup(n, permutations,
                    ordered.Where(r => !dependentRoots.ContainsKey(r)).Select(r => ((MonomialGroup)groups[r]).Diagonal).ToArray());
                if (group is MonomialGroup m && !permutations) group = m with { Permutations = false };
                if (group.IsTrivial) continue;
                if (!bindingsOf[component.Key].Any()) continue; // acts on no parameter
                int SegmentOf(string v) => index.GetValueOrDefault(_segments.Find(v), -1);
                var bindings = bindingsOf[component.Key].Select(b =>
                    new AxisBinding(b.Parameter, b.Axis, b.Offset, b.Length, b.Block, SegmentOf(b.Value), b.Rule, PhiMap.Identity)
                    {
                        ReferenceSegment = b.ReferenceValue is null ? null : SegmentOf(b.ReferenceValue),
                    }).ToList();
                string name = members.MinBy(Position)!;
                var shifts = shiftsOf[component.Key].Select(s => s.Shift with { Segment = SegmentOf(s.Value) }).ToList();
                factors.Add((Position(name), new SymmetryFactor(name, n, group, segments, bindings, reasons) { AffineShifts = shifts }));
            }
            var all = factors.OrderBy(f => f.Order).Select(f => f.Factor).Concat(_extraFactors).ToList();
            return new WeightSpaceSpec(graph.Name, all, _notes.ToList());
        }

        private static DiagonalKind FixedPoints(PhiMap phi) => phi switch
        {
            AbsPhi => DiagonalKind.Positive,
            _ => DiagonalKind.None,
        };
    }
}
