using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// `gan train --eval-every N`: a checkpoint just saved, evaluated in-process exactly as `gan eval RUN --step S --n M` (seed 0)
/// would (fresh networks loaded from it; the training's own are not touched), with the global random state saved and
/// restored around it: building the networks and drawing noise layers' noise must not change the training's numbers.
/// </summary>
internal static class TrainingEvaluation
{
    public const int DefaultSamples = 2000;

    public static void At(string runDir, long step, int? samples, Action<string> say)
    {
        using var state = get_rng_state();
        try
        {
            var metrics = RunEvaluator.Evaluate(runDir, samples ?? DefaultSamples, step, seed: 0, say);
            var headline = metrics.Where(kv => kv.Value is double && !kv.Key.StartsWith("baseline_", StringComparison.Ordinal))
                                  .Take(3).Select(kv => $"{kv.Key} {(double)kv.Value:G4}");
            say($"step {step}: {string.Join(", ", headline)} (metrics/step-{step:D7}.json)");
        }
        catch (Exception e) when (e is Errors.UserInputException or IOException)
        {
            // A side measurement (an offline judge or data fetch, a damaged judge cache) does not stop the training.
            say($"warning: the evaluation at step {step} failed, training goes on: {e.Message}");
        }
        finally { set_rng_state(state); }
    }
}
