/// The known key a mistyped one most likely meant: `concurency` → `concurrency`,
/// `settle` → `settle_seconds`.
package enum KeySuggestion {
    /// The nearest of `known` to `key` by edit distance (a few letters off, for the key's length)
    /// or as the start of a known key; nil when none is near.
    package static func nearest(to key: String, among known: some Sequence<String>) -> String? {
        let typed = Array(key.lowercased().utf8)
        var best: (key: String, distance: Int)?
        for candidate in known.sorted() {
            let letters = Array(candidate.utf8)
            let distance = letters.starts(with: typed) && typed.count >= 4 ? 1 : editDistance(typed, letters)
            if distance <= max(2, typed.count / 3), distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.key
    }

    /// Levenshtein distance, with a swap of two neighbours counting as one edit.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
