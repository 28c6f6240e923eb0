using System.Globalization;
using Gan.Runtime.Errors;
using Gan.Runtime.Runs;

namespace Gan.Runtime.Training;

/// <summary>
/// What a resume asks for: the model's seed, device, overrides and spec (fixed when it was built), and the options given
/// (null when not given: the run's own value is used).
/// </summary>
internal sealed record ResumeRequest(int Seed, string Device, IReadOnlyDictionary<string, string> Overrides, string SpecSha256,
                                     int? Batch, int? Epochs, int? Steps, int? LogEvery);

/// <summary>
/// A resumed run continues as it was started: every value comes from its params.json, and a value given on resume that
/// contradicts the run is refused, naming the flag. The one change allowed is a longer schedule (<c>--steps</c> or
/// <c>--epochs</c> beyond the run's), which the caller records in params.json.
/// </summary>
internal static class Resumption
{
    /// <summary>The run's params as the resumed run will use them (only Steps or Epochs can differ: an extension).</summary>
    public static RunParams Settle(RunParams run, ResumeRequest r, string runDir)
    {
        string Refuse(string flag, string given, string its) =>
            throw new UserInputException($"{flag} {given} contradicts the run in {runDir} ({its}); a resumed run continues as it "
                                         + $"was started: drop {flag.Split(' ')[0]}, or start a new run with --out.");
        if (run.SpecSha256 != "" && run.SpecSha256 != r.SpecSha256)
            throw new UserInputException($"{runDir}: the spec differs from the run's copy (spec.gan, SHA-256 {run.SpecSha256[..12]}…); "
                                         + $"resume with `gan train --resume {runDir}` alone, which trains the run's own copy.");
        if (r.Seed != run.Seed) Refuse("--seed", $"{r.Seed}", $"seed {run.Seed}");
        if (r.Device != run.Device) Refuse("--device", r.Device, $"device {run.Device}");
        if (r.Batch is int b && b != run.Batch) Refuse("--batch", $"{b}", $"batch {run.Batch}");
        if (r.LogEvery is int l && l != run.LogEvery) Refuse("--log-every", $"{l}", $"log every {run.LogEvery}");
        foreach (var key in r.Overrides.Keys.Union(run.Set.Keys).Order(StringComparer.Ordinal))
        {
            var given = r.Overrides.GetValueOrDefault(key);
            var its = run.Set.GetValueOrDefault(key);
            if (!SameValue(given, its))
                Refuse("--set", $"{key}={given ?? "(not given)"}", its is null ? $"{key} not set" : $"{key}={its}");
        }
        return Length(run, r, runDir, Refuse);
    }

    /// <summary>The schedule's length: the run's, or a longer one of the unit the run counts (steps or epochs).</summary>
    static RunParams Length(RunParams run, ResumeRequest r, string runDir, Func<string, string, string, string> refuse)
    {
        bool bySteps = run.Steps > 0;
        string its = bySteps ? $"{run.Steps} steps" : $"{run.Epochs} epochs";
        if (bySteps && r.Epochs is int e) refuse("--epochs", $"{e}", $"it counts steps: {its}; lengthen it with --steps");
        if (!bySteps && r.Steps is int s) refuse("--steps", $"{s}", $"it counts epochs: {its}; lengthen it with --epochs");
        if (r.Steps is int steps && steps < run.Steps)
            refuse("--steps", $"{steps}", $"{its}; a run can be lengthened, not shortened (sample an earlier checkpoint with --step)");
        if (r.Epochs is int epochs && epochs < run.Epochs)
            refuse("--epochs", $"{epochs}", $"{its}; a run can be lengthened, not shortened");
        return run with { Steps = r.Steps ?? run.Steps, Epochs = r.Epochs ?? run.Epochs };
    }

    /// <summary>Two override texts name the same value: equal, or equal numbers (<c>1e-4</c> and <c>0.0001</c>).</summary>
    static bool SameValue(string? a, string? b) =>
        a == b || (a is not null && b is not null
                   && double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                   && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y) && x == y);
}
