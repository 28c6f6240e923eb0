namespace Gan.Runtime.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose output is fully specified, so a
/// shuffle depends only on its seed and never on the .NET version (System.Random's seeded algorithm
/// is an implementation detail). Used for the batch order, not for anything cryptographic.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    ulong state = seed;

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong Next()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextBelow(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        uint bound = (uint)n;
        ulong m = (Next() >> 32) * bound;
        uint low = (uint)m;
        if (low < bound)
        {
            uint threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                m = (Next() >> 32) * bound;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    /// <summary>A permutation of 0..n-1 by Fisher–Yates, drawn from a generator seeded with <paramref name="seed"/>.</summary>
    public static int[] Permutation(int n, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.NextBelow(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
