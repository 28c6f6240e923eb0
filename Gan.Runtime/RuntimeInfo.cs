using System.Reflection;
using TorchSharp;

namespace Gan.Runtime;

/// <summary>Versions of GanDsl and its native stack, for `gan version` and run folders.</summary>
public static class RuntimeInfo
{
    public static string GanDslVersion => Informational(typeof(RuntimeInfo).Assembly);

    public static string TorchSharpVersion => Informational(typeof(torch).Assembly);

    /// <summary>The libtorch version TorchSharp was built for (loads the native library: torch's type initializer does).</summary>
    public static string LibTorchVersion
    {
        get
        {
            Native.TorchNative.Prepare();
            return torch.__version__;
        }
    }

    static string Informational(Assembly a)
    {
        var v = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? a.GetName().Version?.ToString() ?? "unknown";
        var plus = v.IndexOf('+');
        return plus > 0 ? v[..plus] : v;
    }
}
