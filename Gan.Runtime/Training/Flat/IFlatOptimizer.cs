namespace Gan.Runtime.Training.Flat;

/// <summary>
/// An optimiser whose parameters, gradients and state are views of one flat buffer each (<see cref="FlatLayout"/>): its
/// step is a handful of operations per chunk of one buffer, computed exactly as TorchSharp's optimiser of the same name computes
/// each parameter's. The classes are named as TorchSharp's and derive from them, so a checkpoint's optimiser file is the
/// same either way (TorchSharp writes and checks the type's name; state tensors load in place, into the views).
/// </summary>
internal interface IFlatOptimizer
{
    /// <summary>The layout while the flat path holds; null once it cannot (a parameter changed shape, dtype or device).</summary>
    FlatLayout? Layout { get; }

    /// <summary>How many steps took the flat path (the others took TorchSharp's per-parameter one).</summary>
    long FlatSteps { get; }

    /// <summary>Makes a gradient that a one-pass CPU update released (set to none) and the backward did not write its zero
    /// view again, so a reader of the gradients sees the zero gradient the optimiser will use; nothing to do otherwise.
    /// </summary>
    void RestoreReleased() { }
}
