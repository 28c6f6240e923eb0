namespace Gan.Dsl.Diagnostics;

/// <summary>
/// "Did you mean" suggestions by edit distance, bounded so that no spec makes them expensive: names longer than
/// <see cref="MaxNameLength"/> get none, a call reads at most <see cref="MaxCandidates"/> candidates and compares only
/// those whose length could be close enough, and a <see cref="Budget"/> shared by one compilation caps the total work
/// (a spec of 100,000 unknown names against 100,000 params would otherwise take 10^10 comparisons).
/// </summary>
internal static class Suggest
{
    /// <summary>Names longer than this get no suggestion (the distance table grows with the product of two lengths).</summary>
    public const int MaxNameLength = 64;

    /// <summary>Candidates read per suggestion; further ones are not considered.</summary>
    public const int MaxCandidates = 10_000;

    /// <summary>The work of all suggestions of one compilation: a unit per candidate read plus a unit per table cell.</summary>
    public sealed class Budget(long units = 20_000_000)
    {
        public long Left { get; private set; } = units;
        public bool Spend(long n) => (Left -= n) >= 0;
    }

    public static string? Closest(string name, IEnumerable<string> candidates) => Closest(name, candidates, new Budget());

    public static string? Closest(string name, IEnumerable<string> candidates, Budget budget)
    {
        if (name.Length > MaxNameLength || budget.Left <= 0) return null;
        int allowed = Math.Max(1, name.Length / 3);
        var lower = name.ToLowerInvariant();
        var seen = new HashSet<string>();
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates.Take(MaxCandidates))
        {
            if (!budget.Spend(1)) return null;
            // The distance is at least the difference in length: such a candidate could never be suggested.
            if (Math.Abs(c.Length - name.Length) > allowed || !seen.Add(c)) continue;
            if (!budget.Spend((long)(name.Length + 1) * (c.Length + 1))) return null;
            int d = Distance(lower, c.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = c; }
        }
        return best is not null && bestDistance <= allowed ? best : null;
    }

    /// <summary>Edit distance counting a swap of two neighbouring letters as one edit (tahn → tanh, trian → train).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
