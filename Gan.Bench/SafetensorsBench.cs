using Gan.Runtime.Interop;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>
/// Writing and reading a 13 M-parameter set of F32 tensors (about 52 MB, the shapes of a mid-sized convolutional GAN) with
/// GanDsl's safetensors code: <c>Write</c> (header, then each tensor's memory straight to a temporary file, then the rename),
/// <c>Read</c> (the header alone, validated), <c>ReadAll</c> (every tensor into new CPU tensors) and <c>LoadInto</c> (checks,
/// read, copy into live tensors). The file lives in the temporary folder, so the figures include the page cache, not the disk.
/// </summary>
public static class SafetensorsBench
{
    public static void Run()
    {
        var tensors = new List<(string Name, Tensor Tensor)>();
        void Conv(string name, long o, long i, long k)
        {
            tensors.Add(($"{name}.weight", randn(o, i, k, k)));
            tensors.Add(($"{name}.bias", randn(o)));
        }
        tensors.Add(("0_linear.weight", randn(4096, 128)));
        tensors.Add(("0_linear.bias", randn(4096)));
        for (int i = 0; i < 5; i++) Conv($"{i + 1}_conv2d", 256, 256, 3);
        for (int i = 0; i < 4; i++) Conv($"{i + 6}_conv2d", 512, 256, 3);
        for (int i = 0; i < 2; i++) Conv($"{i + 10}_conv2d", 512, 512, 3);
        for (int i = 0; i < 11; i++) tensors.Add(($"{i + 1}_batchnorm.running_mean", zeros(256)));
        tensors.Add(("bn.num_batches_tracked", tensor(0L)));
        long parameters = tensors.Sum(t => t.Tensor.numel());
        long bytes = tensors.Sum(t => t.Tensor.numel() * t.Tensor.ElementSize);

        var dir = Directory.CreateTempSubdirectory("gandsl-bench-st-");
        try
        {
            var path = Path.Combine(dir.FullName, "weights.safetensors");
            var metadata = new Dictionary<string, string> { ["format"] = "pt", ["gandsl.network"] = "G" };
            Console.WriteLine($"{tensors.Count} tensors, {parameters:N0} values, {bytes / 1e6:F1} MB of data");
            var live = tensors.ToDictionary(t => t.Name, t => zeros_like(t.Tensor));
            var mb = bytes / 1e6;
            Report("Write", mb, () => SafetensorsFile.Write(path, tensors, metadata));
            Console.WriteLine($"file: {new FileInfo(path).Length:N0} bytes");
            Report("Read (header only)", null, () => SafetensorsFile.Read(path));
            Report("Read + ReadAll", mb, () =>
            {
                using var scope = NewDisposeScope();
                SafetensorsFile.Read(path).ReadAll();
            });
            Report("LoadInto (checks, read, copy)", mb, () => SafetensorsFile.LoadInto(path, live, "network G"));
            Report("Write, then LoadInto", mb, () =>
            {
                SafetensorsFile.Write(path, tensors, metadata);
                SafetensorsFile.LoadInto(path, live, "network G");
            });
            if (!tensors.All(t => t.Tensor.eq(live[t.Name]).all().item<bool>()))
                throw new InvalidOperationException("LoadInto read other values");
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>
    /// A spec's networks through the public API: <c>GanModel.ExportWeights</c> (names, metadata, write) and <c>LoadWeights</c>
    /// (read, every check, copy), as <c>gan export</c> and <c>gan train --init</c> run them.
    /// </summary>
    public static void RunSpec(string specPath)
    {
        using var model = Gan.Runtime.GanModel.Compile(specPath);
        var dir = Directory.CreateTempSubdirectory("gandsl-bench-st-");
        try
        {
            var path = Path.Combine(dir.FullName, "weights.safetensors");
            model.ExportWeights(path);
            var mb = new FileInfo(path).Length / 1e6;
            Console.WriteLine($"{Path.GetFileName(specPath)}: {SafetensorsFile.Read(path).Entries.Count} tensors, {mb:F1} MB");
            Report($"{Path.GetFileName(specPath)} ExportWeights", mb, () => model.ExportWeights(path));
            Report($"{Path.GetFileName(specPath)} LoadWeights", mb, () => model.LoadWeights(path));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    static void Report(string name, double? mb, Action action)
    {
        var m = Harness.Milliseconds($"safetensors {name}", action, warmup: 2, repeats: 11);
        Console.WriteLine(mb is { } x ? $"{m}  ({x / (m.Median / 1000):F0} MB/s)" : m.ToString());
    }
}
