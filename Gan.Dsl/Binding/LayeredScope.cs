using System.Collections;

namespace Gan.Dsl.Binding;

/// <summary>
/// The names inside a block call: the block's arguments over the caller's scope. Layered rather than copied, because
/// the caller's scope holds every param of the spec: copying it at each of 100,000 block calls is quadratic. Nested
/// calls stack layers, as deep as block expansion may go (<see cref="Syntax.Nesting.MaxDepth"/>).
/// </summary>
internal sealed class LayeredScope(IReadOnlyDictionary<string, Value> own, IReadOnlyDictionary<string, Value> outer)
    : IReadOnlyDictionary<string, Value>
{
    public bool TryGetValue(string key, out Value value) =>
        own.TryGetValue(key, out value!) || outer.TryGetValue(key, out value!);

    public Value this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);
    public bool ContainsKey(string key) => own.ContainsKey(key) || outer.ContainsKey(key);

    /// <summary>Own entries, then the outer ones they do not hide (suggestions in messages read these).</summary>
    public IEnumerator<KeyValuePair<string, Value>> GetEnumerator() =>
        own.Concat(outer.Where(kv => !own.ContainsKey(kv.Key))).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    public IEnumerable<string> Keys => this.Select(kv => kv.Key);
    public IEnumerable<Value> Values => this.Select(kv => kv.Value);
    public int Count => Enumerable.Count(this);
}
