using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Layers;
using Gan.Dsl.Text;

namespace Gan.Dsl.Checking;

/// <summary>
/// Checks of layers against the schedule's batch, which the network checker does not know: a minibatch_stddev group must
/// divide the batch (rosinality's view of N samples as G × N/G fails otherwise).
/// </summary>
internal static class BatchChecks
{
    /// <summary>GAN0501 at each minibatch_stddev call (once per place in the source) whose group does not divide the batch.</summary>
    public static void Run(BoundSpec spec, IEnumerable<CheckedNetwork> networks, DiagnosticBag d)
    {
        if (spec.Schedule?.Ir is not { } schedule) return;
        int batch = schedule.Batch;
        var reported = new HashSet<(SourceText, TextSpan)>();
        foreach (var net in networks)
            foreach (var node in net.Nodes)
            {
                if (node.Config is not MinibatchStddevOp op || MinibatchStddev.Divides(op.Group, batch)) continue;
                var (source, span) = (node.Source, node.Span);
                if (!reported.Add((source, span))) continue;
                int divisor = MinibatchStddev.GroupFor(op.Group, batch);
                d.ReportSchedule(source, span,
                                 $"minibatch_stddev in network {net.Name} splits each batch into groups of {op.Group}, but the "
                                 + $"schedule's batch {batch} is not a multiple of {op.Group}; use batch: "
                                 + $"{(batch + op.Group - 1) / op.Group * op.Group} (a multiple of {op.Group})"
                                 + (divisor > 1 ? $", or group: {divisor} (a divisor of {batch})" : ""));
            }
    }
}
