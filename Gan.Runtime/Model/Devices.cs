using Gan.Runtime.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Model;

/// <summary>The device a model runs on: cpu, or cuda when a CUDA backend and a device are there.</summary>
internal static class Devices
{
    public static Device For(string name)
    {
        if (name == "cpu") return CPU;
        if (name != "cuda") throw new UserInputException($"--device {name}: use cpu or cuda.");
        try { InitializeDeviceType(DeviceType.CUDA); }
        catch (Exception e)
        {
            throw new UserInputException(
                $"--device cuda: TorchSharp's CUDA backend could not be loaded ({e.Message}). Install TorchSharp-cuda-linux, "
                + "or point LD_LIBRARY_PATH at a PyTorch installation's torch/lib.");
        }
        if (!cuda.is_available()) throw new UserInputException("--device cuda: no CUDA device is available on this machine.");
        return CUDA;
    }

    /// <summary>The name <see cref="For"/> takes: cpu or cuda.</summary>
    public static string Name(Device device) => device.type == DeviceType.CUDA ? "cuda" : "cpu";

    /// <summary>
    /// Every network of a model, built from the seed on the CPU (so the same seed gives the same weights anywhere), then moved.
    /// </summary>
    public static Dictionary<string, NetworkModule> Build(Gan.Dsl.Ir.ModelIr model, int seed, Device device)
    {
        manual_seed(seed);
        var nets = model.Networks.ToDictionary(n => n.Name, n => new NetworkModule(n).to(device));
        Training.EmaCopies.Add(model, nets);       // the EMA copies (ema:), as their networks start
        return nets;
    }
}
