namespace Gan.Runtime.Training;

/// <summary>Command-line choices for one training run (the spec gives everything else).</summary>
public sealed record TrainOptions(string OutDir, int? Epochs = null, int? Steps = null, int? Batch = null, int? Seed = null,
                                  string Device = "cpu", bool Resume = false, int? LogEvery = null);

/// <summary>Raised when training must stop (NaN loss): the message names the loss and the step.</summary>
public sealed class TrainingStoppedException(string message) : Exception(message);
