using System.ComponentModel;
using System.Diagnostics;
using System.IO.Compression;
using Gan.Runtime.Errors;
using Gan.Runtime.Runs;

namespace Gan.Runtime.Data;

/// <summary>
/// Fashion-MNIST in the data cache (<c>fashion-mnist/</c>): the four IDX files, uncompressed as MNIST's are, each checked
/// against its SHA-256. Fetched from the public gzipped mirrors first, then from Debian's <c>dataset-fashion-mnist</c>
/// package (<c>apt-get download</c> in a temporary folder, no install; <c>dpkg-deb -x</c>). The whole folder is filled under
/// a temporary name and renamed into place, so a partial download never lands in the cache.
/// </summary>
internal static class FashionMnistCache
{
    public static string Dir => Path.Combine(DataCache.Root, "fashion-mnist");

    /// <summary>
    /// The uncompressed files and their SHA-256 (measured on Debian's 0.0~git20200523.55506a9-1 package). The content is pinned,
    /// not the .gz: Debian recompressed the files (their gzip headers, and so their MD5s, differ from the upstream mirrors').
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Sha256)> Files =
    [
        ("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        ("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        ("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        ("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    ];

    /// <summary>Public gzipped mirrors, tried in order (torchvision's, then the Zalando repository's).</summary>
    public static readonly IReadOnlyList<string> Mirrors =
    [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ];

    public const string DebianPackage = "dataset-fashion-mnist";
    const string DebianFolder = "usr/share/datasets/fashion-mnist";

    public static bool Has => Files.All(f => File.Exists(Path.Combine(Dir, f.Name)));

    /// <summary>The Fashion-MNIST folder, fetched first (with a one-line notice) when missing, and verified.</summary>
    public static string Ensure(Action<string> notice)
    {
        if (!Has)
        {
            notice($"Fashion-MNIST is not in {Dir}; fetching it (about 30 MB)...");
            Fetch(notice);
        }
        Verify(Dir);
        return Dir;
    }

    public static void Verify(string dir) => DataCache.VerifyIdx(dir, Files, "Fashion-MNIST", "fashion-mnist");

    /// <summary>Fetches Fashion-MNIST: public mirrors first, then Debian's package; every file is verified before the folder
    /// lands.</summary>
    public static void Fetch(Action<string> notice, bool force = false)
    {
        if (Has && !force) { Verify(Dir); notice($"Fashion-MNIST already in {Dir} (SHA-256 verified)."); return; }
        var failures = new List<string>();
        Directory.CreateDirectory(DataCache.Root);
        try
        {
            AtomicFile.WriteDirectory(Dir, staging =>
            {
                if (Downloads.TryMirrors(Mirrors, Files, staging, failures, notice)) return;
                notice($"the public mirrors failed ({failures[0]}); trying Debian's package {DebianPackage} (apt-get download)...");
                FromDebian(staging, notice);
            });
        }
        catch (Exception e) when (e is UserInputException or IOException or InvalidDataException)
        {
            failures.Add($"Debian {DebianPackage}: {e.Message}");
            throw new UserInputException(
                "could not fetch Fashion-MNIST.\n  " + string.Join("\n  ", failures) +
                $"\nTo install it by hand, put these four uncompressed files into {Dir}:\n" +
                string.Join("\n", Files.Select(f => $"  {f.Name}  (SHA-256 {f.Sha256})")) +
                "\nThey are the gunzipped <name>.gz files of " + string.Join(" or ", Mirrors) +
                $", or of /{DebianFolder}/ in Debian's package {DebianPackage} (`apt-get download {DebianPackage}`, " +
                "then `dpkg-deb -x` the .deb).");
        }
        Verify(Dir);
    }

    /// <summary>
    /// <c>apt-get download dataset-fashion-mnist</c> in a temporary folder (nothing is installed), <c>dpkg-deb -x</c> the .deb
    /// there, and each gunzipped file verified into <paramref name="staging"/>.
    /// </summary>
    static void FromDebian(string staging, Action<string> notice)
    {
        var work = Directory.CreateTempSubdirectory("gandsl-apt").FullName;
        try
        {
            Run("apt-get", ["download", DebianPackage], work);
            var deb = Directory.GetFiles(work, "*.deb").SingleOrDefault()
                      ?? throw new UserInputException($"apt-get download {DebianPackage} wrote no .deb");
            var root = Path.Combine(work, "root");
            Run("dpkg-deb", ["-x", deb, root], work);
            foreach (var (name, sha) in Files)
            {
                var gz = Path.Combine(root, DebianFolder, name + ".gz");
                if (!File.Exists(gz)) throw new UserInputException($"{Path.GetFileName(deb)} lacks /{DebianFolder}/{name}.gz");
                using (var file = File.OpenRead(gz))
                using (var content = new GZipStream(file, CompressionMode.Decompress))
                    Downloads.InstallVerified(content, Path.Combine(staging, name), sha);
                notice($"  {name}: verified ({Path.GetFileName(deb)})");
            }
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>Runs a tool in <paramref name="workDir"/>; a missing tool, a failure or a 5-minute timeout is a clear error.</summary>
    static void Run(string tool, string[] args, string workDir)
    {
        var what = $"{tool} {string.Join(' ', args.Select(Path.GetFileName))}";
        ProcessStartInfo psi = new(tool, args)
        { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        Process? p;
        try { p = Process.Start(psi); }
        catch (Win32Exception) { throw new UserInputException($"{tool} is not installed (it is needed for `{what}`)"); }
        using var proc = p ?? throw new UserInputException($"{tool} could not be started");
        var stderr = proc.StandardError.ReadToEndAsync();
        proc.StandardOutput.ReadToEnd();
        if (!proc.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            proc.Kill(true);
            throw new UserInputException($"`{what}` timed out after 5 minutes");
        }
        if (proc.ExitCode != 0) throw new UserInputException($"`{what}` failed: {stderr.Result.Trim()}");
    }
}
