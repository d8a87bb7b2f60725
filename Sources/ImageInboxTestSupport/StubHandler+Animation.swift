import ImageInbox

extension StubHandler {
    /// Checks `frame_count` and `frame_duration_ms` as OpenAI's schema does: for
    /// `output_format: gif` only, 2–16 frames (9 unless set) of 20–2000 ms in steps of 10
    /// (200 unless set).
    func validateAnimation(_ body: [String: Any], format: ImageFormat) -> Result<(frames: Int, durationMilliseconds: Int), StubProblem> {
        func bad(_ message: String, _ param: String) -> Result<(frames: Int, durationMilliseconds: Int), StubProblem> {
            .failure(StubProblem(status: 400, message: message, code: "invalid_value", param: param))
        }
        var frames = 9
        var duration = 200
        if let value = body["frame_count"] {
            guard format == .gif else { return bad("frame_count is only supported with output_format: gif.", "frame_count") }
            guard let number = value as? Int, (2...16).contains(number) else { return bad("frame_count must be an integer from 2 to 16.", "frame_count") }
            frames = number
        }
        if let value = body["frame_duration_ms"] {
            guard format == .gif else { return bad("frame_duration_ms is only supported with output_format: gif.", "frame_duration_ms") }
            guard let number = value as? Int, (20...2000).contains(number), number % 10 == 0 else {
                return bad("frame_duration_ms must be a multiple of 10 from 20 to 2000.", "frame_duration_ms")
            }
            duration = number
        }
        return .success((frames, duration))
    }

    /// The `svg_usage` of an SVG answer: what the model that wrote the SVG used, in tokens,
    /// its reasoning counted within its output (as OpenAI counts it elsewhere).
    func svgUsage(model: String, images: Int) -> [String: Any] {
        let input = 120 * images
        let reasoning = 300 * images
        let output = 900 * images + reasoning
        return ["model": "\(model)-svg", "input_tokens": input, "output_tokens": output, "reasoning_tokens": reasoning, "total_tokens": input + output]
    }
}
