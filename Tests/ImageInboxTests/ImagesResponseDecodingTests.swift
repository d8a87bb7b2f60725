import ImageInbox
import Testing

struct ImagesResponseDecodingTests {
    func images(_ json: String) throws -> [String?] {
        try ImagesResponseBody.decode(Array(json.utf8)).data?.map { $0.base64.map { String(decoding: $0, as: UTF8.self) } } ?? []
    }

    @Test func theBase64OfEveryItemIsReadInPlaceWithTheUsage() throws {
        let json = #"{"created": 1, "data": [{"b64_json": "iVBORw0K"}, {"b64_json" :  "R0lGODlh", "revised_prompt": "a cat"}], "usage": {"input_tokens": 50, "output_tokens": 4096}}"#
        let body = try ImagesResponseBody.decode(Array(json.utf8))
        #expect(try images(json) == ["iVBORw0K", "R0lGODlh"])
        #expect(body.apiUsage.inputTokens == 50 && body.apiUsage.outputTokens == 4096)
    }

    @Test func theKeyQuotedInsideAnotherStringOrAsAValueIsNotAnImage() throws {
        let json = #"{"response_format": "b64_json", "data": [{"revised_prompt": "say \"b64_json\": \"x\"", "b64_json": "iVBORw0K"}]}"#
        #expect(try images(json) == ["iVBORw0K"])
        // A key that ends in an escaped quote and the name: its value is no image.
        #expect(try images(#"{"x\"b64_json": "zz", "data": [{"b64_json": "iVBORw0K"}]}"#) == ["iVBORw0K"])
    }

    @Test func anEscapeInTheBase64IsLeftToTheJSONDecoder() throws {
        // Some serializers escape slashes; the JSON decoder unescapes them.
        #expect(try images(#"{"data": [{"b64_json": "ab\/cd"}]}"#) == ["ab/cd"])
        #expect(try images(#"{"data": [{"b64_json": "ab\ncd"}]}"#) == ["ab\ncd"])
    }

    @Test func aB64JSONKeyOutsideTheItemsIsDecodedWhole() throws {
        #expect(try images(#"{"meta": {"b64_json": "zz"}, "data": [{"b64_json": "iVBORw0K"}]}"#) == ["iVBORw0K"])
    }

    @Test func urlAnswersAndBrokenJSONAreAsBefore() throws {
        let body = try ImagesResponseBody.decode(Array(#"{"data": [{"url": "http://127.0.0.1/files/a.png", "b64_json": null}]}"#.utf8))
        #expect(body.data?.first?.base64 == nil && body.data?.first?.url == "http://127.0.0.1/files/a.png")
        #expect(throws: (any Error).self) { try ImagesResponseBody.decode(Array(#"{"data": [{"b64_json": "iVBO"#.utf8)) }
        #expect(throws: (any Error).self) { try ImagesResponseBody.decode(Array(#"{"data": [{"b64_json": "iVBO"}"#.utf8)) }
    }

    @Test func anSVGAnswersWritersTokensAreReadBesideTheImagesUsage() throws {
        let json = #"{"data": [{"b64_json": "PHN2Zy8+"}], "usage": {"input_tokens": 50, "output_tokens": 4096}, "svg_usage": {"model": "m", "input_tokens": 120, "output_tokens": 1200, "reasoning_tokens": 300, "total_tokens": 1320}}"#
        let usage = try ImagesResponseBody.decode(Array(json.utf8)).apiUsage
        #expect(usage.outputTokens == 4096)
        #expect(usage.svgInputTokens == 120 && usage.svgOutputTokens == 1200, "reasoning within the output tokens, as total_tokens shows")
        let apart = #"{"data": [], "svg_usage": {"input_tokens": 120, "output_tokens": 900, "reasoning_tokens": 300, "total_tokens": 1320}}"#
        #expect(try ImagesResponseBody.decode(Array(apart.utf8)).apiUsage.svgOutputTokens == 1200, "reasoning counted apart is added")
        #expect((usage + usage).svgInputTokens == 240)
        #expect((usage + APIUsage(outputTokens: 1)).svgOutputTokens == 1200)
        #expect(APIUsage(outputTokens: 1).svgInputTokens == nil)
    }
}
