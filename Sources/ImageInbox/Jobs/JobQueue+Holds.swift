extension JobQueue {
    /// Lifts the pause if its reason ends with `suffix`, leaving any other pause in place: a short
    /// hold ends without lifting a pause that replaced it (a refused key, a rate limit).
    ///
    /// - Returns: Whether a pause was lifted.
    @discardableResult
    func resume(ifReasonEndsWith suffix: String) -> Bool {
        guard let reason = pause?.reason, reason.hasSuffix(suffix) else { return false }
        resume()
        return true
    }
}
