using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>
/// One flat buffer that holds a list of parameters (of one dtype and device) as contiguous views, in list order, and a second
/// one for their gradients, so an optimiser updates them all with a handful of operations per chunk of the buffer (FlatChunks).
/// <para>The binding rule: a parameter is bound while its data is its view of <see cref="Values"/>; a gradient while it is
/// its view of the gradient buffer. Whatever moved a parameter (a <c>set_</c>, a load that replaced it) is undone by
/// <see cref="BindParameters"/>: its values are copied into its view and it is set to the view again. A gradient that is
/// not its view (the first backward pass creates fresh gradients; anything may replace one) is copied into its view and
/// the view becomes its gradient, by <see cref="BindGrads"/>. A gradient that is null stays null: a parameter that never
/// received one is skipped by TorchSharp's optimisers, so the flat step runs only once every gradient is bound, and until
/// then the optimiser takes TorchSharp's per-parameter path (over the same views). libtorch accumulates into an existing
/// gradient in place (backward runs without grad mode), so a bound gradient stays bound across backward passes.</para>
/// </summary>
internal sealed class FlatLayout : IDisposable
{
    static readonly Func<IntPtr, IntPtr>? DataPointer = FindDataPointer();

    /// <summary>Whether a tensor's data pointer can be read (TorchSharp's THSTensor_data binding was found).</summary>
    public static bool CanReadPointers => DataPointer is not null;

    /// <summary>The address of a tensor's first element; only where <see cref="CanReadPointers"/>.</summary>
    public static IntPtr PointerOf(Tensor t) => DataPointer!(t.Handle);

    /// <summary>The byte alignment of every parameter's view (c10's CPU allocator aligns each tensor to 64 bytes).</summary>
    public const int Alignment = 64;

    readonly Parameter[] ps;
    readonly long[] offsets, sizes;
    readonly Tensor[] views;
    readonly IntPtr[] pointers;
    readonly Tensor[]? gradViews;
    readonly IntPtr[]? gradPointers;
    readonly Dictionary<(int, int), Tensor> slices = [];

    /// <summary>The parameters' values, one after another.</summary>
    public Tensor Values { get; }

    /// <summary>The parameters' gradients, one after another (valid where bound); null in a layout without gradients (an EMA
    /// copy's).</summary>
    public Tensor? Grads { get; }

    public IReadOnlyList<Parameter> Parameters => ps;

    FlatLayout(Parameter[] ps, bool withGrads)
    {
        this.ps = ps;
        sizes = [.. ps.Select(p => p.numel())];
        offsets = new long[ps.Length];
        var first = ps[0];
        // Each parameter starts on a 64-byte boundary, as libtorch allocates a tensor of its own: BLAS kernels (MKL's
        // sgemm among them) may round differently for differently aligned operands, and the flat path must compute what
        // TorchSharp's per-parameter tensors compute, bit for bit. The gaps stay zero in every buffer.
        long align = Math.Max(1, Alignment / first.ElementSize);
        for (int i = 1; i < ps.Length; i++) offsets[i] = (offsets[i - 1] + sizes[i - 1] + align - 1) / align * align;
        long total = ps.Length == 0 ? 0 : offsets[^1] + sizes[^1];
        Values = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        views = ViewsOf(Values);
        pointers = [.. views.Select(v => DataPointer!(v.Handle))];
        if (withGrads)
        {
            Grads = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
            gradViews = ViewsOf(Grads);
            gradPointers = [.. gradViews.Select(v => DataPointer!(v.Handle))];
        }
        using var _ = no_grad();
        for (int i = 0; i < ps.Length; i++)
        {
            views[i].copy_(ps[i]);
            ps[i].set_(views[i]);
        }
    }

    /// <summary>A layout over <paramref name="parameters"/>, which become views of its buffer; null (nothing changed) when
    /// there are none, when they differ in dtype or device, are not floating point, repeat, or when the tensors' data
    /// pointers cannot be read. <paramref name="withGrads"/>: also a gradient buffer (an optimiser's layout).</summary>
    public static FlatLayout? TryCreate(IEnumerable<Parameter> parameters, bool withGrads = true)
    {
        var ps = parameters.ToArray();
        if (DataPointer is null || ps.Length == 0) return null;
        var (dtype, device) = (ps[0].dtype, ps[0].device);
        if (ps.Any(p => p.dtype != dtype || p.device.type != device.type || p.device.index != device.index
                        || !p.is_floating_point() || p.is_complex()))
            return null;
        if (ps.Select(p => p.Handle).Distinct().Count() != ps.Length) return null;
        return new FlatLayout(ps, withGrads);
    }

    /// <summary>Views of a buffer laid out as the parameters (each of its parameter's shape), kept out of dispose scopes.</summary>
    public Tensor[] ViewsOf(Tensor flat)
    {
        var result = new Tensor[ps.Length];
        for (int i = 0; i < ps.Length; i++)
            result[i] = flat.narrow(0, offsets[i], sizes[i]).view(ps[i].shape).DetachFromDisposeScope();
        return result;
    }

    /// <summary>Where parameter <paramref name="i"/> starts in the flat buffers, in elements.</summary>
    public long OffsetOf(int i) => offsets[i];

    /// <summary>Parameter <paramref name="i"/>'s gradient view of the gradient buffer (a layout with gradients only).</summary>
    public Tensor GradView(int i) => gradViews![i];

    /// <summary>A new zero buffer of the layout's size, dtype and device (optimiser state).</summary>
    public Tensor NewBuffer() => zeros_like(Values).DetachFromDisposeScope();

    /// <summary>The state tensor for parameter <paramref name="i"/> laid out in <paramref name="flat"/> (a buffer of
    /// <see cref="NewBuffer"/>): <paramref name="current"/> when it is its view there, else a new view holding a copy of it
    /// (a load or another optimiser's state replaced it), <paramref name="current"/> then disposed.</summary>
    public Tensor StateView(Tensor current, Tensor flat, int i)
    {
        var expected = DataPointer!(flat.Handle) + (nint)(offsets[i] * flat.ElementSize);
        if (DataPointer!(current.Handle) == expected) return current;
        var view = flat.narrow(0, offsets[i], sizes[i]).view(ps[i].shape).DetachFromDisposeScope();
        using (no_grad()) view.copy_(current);
        current.Dispose();
        return view;
    }

    /// <summary>Rebinds every parameter that is no longer its view (see the class comment). False when one cannot be (its
    /// shape, dtype or device changed): the caller must then leave the flat path for good.</summary>
    public bool BindParameters()
    {
        for (int i = 0; i < ps.Length; i++)
        {
            var p = ps[i];
            if (p.IsInvalid) return false;                          // disposed (a Module.to replaced it)
            if (DataPointer!(p.Handle) == pointers[i]) continue;
            if (p.dtype != Values.dtype || p.device.type != Values.device.type || p.device.index != Values.device.index
                || !p.shape.SequenceEqual(views[i].shape))
                return false;
            using var _ = no_grad();
            views[i].copy_(p);
            p.set_(views[i]);
        }
        return true;
    }

    /// <summary>Rebinds the gradients that are not their views; false when one is null (then none is rebound).</summary>
    public bool BindGrads()
    {
        var grads = new Tensor?[ps.Length];
        try
        {
            for (int i = 0; i < ps.Length; i++)
                if ((grads[i] = ps[i].grad) is null) return false;
            using var _ = no_grad();
            for (int i = 0; i < ps.Length; i++)
                if (DataPointer!(grads[i]!.Handle) != gradPointers![i])
                {
                    gradViews![i].copy_(grads[i]!);
                    ps[i].grad = gradViews[i];
                }
            return true;
        }
        finally { foreach (var g in grads) g?.Dispose(); }
    }

    /// <summary>Zeroes the gradients as TorchSharp's <c>zero_grad</c> does (in place; null ones stay null) with one operation
    /// on the gradient buffer, binding those that are not views yet (a zero view is a zeroed gradient).</summary>
    public void ZeroGrads()
    {
        using var _ = no_grad();
        Grads!.zero_();
        for (int i = 0; i < ps.Length; i++)
        {
            using var g = ps[i].grad;
            if (g is not null && DataPointer!(g.Handle) != gradPointers![i]) ps[i].grad = gradViews![i];
        }
    }

    /// <summary>The part of <see cref="Values"/> that holds exactly <paramref name="parameters"/> (a network's, say), when they
    /// are a run of the layout's parameters in order, all bound; null otherwise.</summary>
    public Tensor? Slice(IEnumerable<Parameter> parameters)
    {
        var list = parameters.ToList();
        if (list.Count == 0) return null;
        // By reference: Module.to(dtype or device) replaces a module's parameters by new objects (the old ones disposed).
        int start = Array.FindIndex(ps, p => ReferenceEquals(p, list[0]));
        if (start < 0 || start + list.Count > ps.Length) return null;
        for (int i = 0; i < list.Count; i++)
            if (!ReferenceEquals(ps[start + i], list[i]) || list[i].IsInvalid || DataPointer!(list[i].Handle) != pointers[start + i])
                return null;
        if (!slices.TryGetValue((start, list.Count), out var slice))
        {
            long end = offsets[start + list.Count - 1] + sizes[start + list.Count - 1];
            slices[(start, list.Count)] = slice = Values.narrow(0, offsets[start], end - offsets[start]).DetachFromDisposeScope();
        }
        return slice;
    }

    /// <summary>TorchSharp's own reader of a tensor's data pointer (its native library, as TorchSharp loaded it); null when this
    /// TorchSharp has none, and then no layout is made.</summary>
    static Func<IntPtr, IntPtr>? FindDataPointer()
    {
        var m = typeof(torch).Assembly.GetType("TorchSharp.PInvoke.NativeMethods")
            ?.GetMethod("THSTensor_data", BindingFlags.NonPublic | BindingFlags.Static, [typeof(IntPtr)]);
        return m is null || m.ReturnType != typeof(IntPtr) ? null : m.CreateDelegate<Func<IntPtr, IntPtr>>();
    }

    public void Dispose()
    {
        foreach (var t in views.Concat(gradViews ?? []).Concat(slices.Values)) t.Dispose();
        Values.Dispose();
        Grads?.Dispose();
    }
}
