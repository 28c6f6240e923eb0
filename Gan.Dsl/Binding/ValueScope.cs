namespace Gan.Dsl.Binding;

/// <summary>
/// The names of network values visible in a body, with what each stands for: a network's inputs and its <c>let</c>s;
/// a block's <c>value</c> parameters and its own <c>let</c>s; and, inside a residual branch, the branch's own names over
/// those around it (<see cref="Parent"/>). A block's scope has no parent: its body sees its parameters and its own names
/// only, and what it names does not leak out. <see cref="Caller"/> is the scope a block was called from, for messages.
/// </summary>
internal sealed class ValueScope<T>(ValueScope<T>? parent, ValueScope<T>? caller = null)
{
    readonly Dictionary<string, T> own = [];

    public ValueScope<T>? Parent => parent;
    public ValueScope<T>? Caller => caller ?? parent?.Caller;

    public void Define(string name, T value) => own[name] = value;

    public bool TryGet(string name, out T value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s.own.TryGetValue(name, out value!)) return true;
        value = default!;
        return false;
    }

    public bool Contains(string name) => TryGet(name, out _);

    /// <summary>Every visible name, innermost first (suggestions read these).</summary>
    public IEnumerable<string> Names => parent is null ? own.Keys : own.Keys.Concat(parent.Names.Where(n => !own.ContainsKey(n)));

    /// <summary>Whether a scope this block was called from (directly or further out) has the name: the hint of GAN0201.</summary>
    public bool CallerHas(string name)
    {
        for (var s = Caller; s is not null; s = s.Caller)
            if (s.Contains(name)) return true;
        return false;
    }
}
