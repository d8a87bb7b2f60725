import AsyncHTTPClient
import ImageInbox
import ImageInboxTestSupport
import Logging
import Testing

@Suite(.serialized, .timeLimit(.minutes(1)))
struct ImagesAPIClientTests {
    func withClient(
        profile: StubProfile = .aimlapi,
        provider: ProviderKind = .aimlapi,
        key: String? = nil,
        baseURL: String? = nil,
        timeout: Duration = .seconds(10),
        _ body: (ImagesAPIClient, ImagesAPIStub) async throws -> Void
    ) async throws {
        let stub = try await ImagesAPIStub.start(profile: profile)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = ImagesAPIClient(
            configuration: .init(
                profile: ProviderProfile.profile(for: provider),
                baseURL: baseURL ?? stub.baseURL,
                apiKey: APIKey(key ?? stub.apiKey),
                requestTimeout: timeout
            ),
            httpClient: http,
            logger: Logger(label: "test")
        )
        do {
            try await body(client, stub)
        } catch {
            try? await http.shutdown()
            await stub.stop()
            throw error
        }
        try await http.shutdown()
        await stub.stop()
    }

    var request: GenerationRequest {
        GenerationRequest(prompt: "A cat", parameters: ResolvedParameters(model: "openai/gpt-image-2", size: "1024x1536", format: .jpeg, formatWasChosen: true))
    }

    func expectFailure(_ code: ImageInboxError.Code, _ client: ImagesAPIClient, request: GenerationRequest? = nil, mentioning words: String? = nil) async {
        do {
            _ = try await client.generate(request ?? self.request)
            Issue.record("expected \(code)")
        } catch let error as ImageInboxError {
            #expect(error.code == code, "\(error.message)")
            if let words { #expect(error.message.contains(words), "\(error.message)") }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aimlapiAnswersWithTheImageAndItsCost() async throws {
        try await withClient { client, stub in
            let result = try await client.generate(request)
            #expect(result.images.count == 1)
            #expect(ImageInfo(bytes: result.images[0]) == ImageInfo(format: .jpeg, width: 1024, height: 1536, hasAlpha: false))
            #expect((result.usage.usdSpent ?? 0) > 0)
            #expect(stub.generationRequests.first?.contentType == "application/json")
        }
    }

    @Test func openAIUsageTokensAreRecorded() async throws {
        try await withClient(profile: .openai, provider: .openai) { client, _ in
            var request = request
            request.parameters.model = "gpt-image-1.5"
            let result = try await client.generate(request)
            #expect(result.usage.outputTokens == 1024 * 1536 / 256)
            #expect(result.usage.usdSpent == nil)
        }
    }

    @Test func aBadKeyIsAnAuthenticationFailureInBothShapes() async throws {
        try await withClient(key: "wrong-key-123456") { client, _ in
            await expectFailure(.authenticationFailed, client, mentioning: "Invalid API key")
        }
        try await withClient(profile: .openai, provider: .openai, key: "wrong-key-123456") { client, _ in
            await expectFailure(.authenticationFailed, client, mentioning: "Invalid API key")
        }
    }

    @Test(arguments: [
        (StubFault.status(429, body: #"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#, headers: ["Retry-After": "7"]), ImageInboxError.Code.rateLimited),
        (.status(429, body: #"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#), .quotaExhausted),
        (.status(402, body: #"{"message":"Not enough credits","statusCode":402,"path":"/v1/images/generations"}"#), .quotaExhausted),
        (.status(500, body: #"{"message":"Internal server error","statusCode":500}"#), .serverError),
        (.status(503, body: "upstream unavailable"), .serverError),
        (.malformedJSON, .invalidResponse),
        (.badBase64, .invalidResponse),
        // OpenAI's billing limit is a 400, but it is the account's, not the file's.
        (.status(400, body: #"{"error":{"message":"Billing hard limit has been reached","type":"invalid_request_error","code":"billing_hard_limit_reached"}}"#), .quotaExhausted),
        // Words in a message decide nothing where there is a code: this is no moderation refusal.
        (.status(400, body: #"{"error":{"message":"Unknown parameter: 'moderation'.","type":"invalid_request_error","code":"unknown_parameter"}}"#), .requestRejected),
        (.status(400, body: #"{"error":{"message":"Your request was rejected as a result of our safety system.","type":"image_generation_user_error","code":"moderation_blocked"}}"#), .moderationBlocked),
        (.status(404, body: #"{"message":"Cannot POST /v1/images/generation","statusCode":404}"#), .unexpectedStatus),
        (.status(405, body: "Method Not Allowed"), .unexpectedStatus),
        (.status(410, body: "Gone"), .unexpectedStatus),
    ])
    func faultsBecomeTypedErrors(fault: StubFault, code: ImageInboxError.Code) async throws {
        try await withClient { client, stub in
            stub.enqueue(fault)
            await expectFailure(code, client)
        }
    }

    @Test func base64BrokenIntoLinesIsStillTheImage() async throws {
        try await withClient { client, stub in
            stub.enqueue(.lineBrokenBase64)
            let result = try await client.generate(request)
            #expect(result.images.count == 1)
            #expect(ImageInfo(bytes: result.images[0]) == ImageInfo(format: .jpeg, width: 1024, height: 1536, hasAlpha: false))
        }
    }

    @Test func aSlowAnswerTimesOut() async throws {
        try await withClient(timeout: .seconds(1)) { client, stub in
            stub.enqueue(.delay(.seconds(3)))
            await expectFailure(.timedOut, client)
        }
    }

    @Test func anUnreachableAPIIsAConnectionFailureWithoutTheKey() async throws {
        try await withClient(baseURL: "http://127.0.0.1:9/v1") { client, stub in
            do {
                _ = try await client.generate(request)
                Issue.record("expected connectionFailed")
            } catch let error as ImageInboxError {
                #expect(error.code == .connectionFailed, "\(error.message)")
                #expect(error.isTransient, "a refused connection is retried, not failed for good")
                #expect(error.message.contains("127.0.0.1:9"), "\(error.message)")
                // What goes into the journal and the error note never carries the key.
                #expect(!error.message.contains(stub.apiKey) && !String(describing: error).contains(stub.apiKey), "\(error.message)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func theStubRefusesWhatTheRealAPIRefuses() async throws {
        try await withClient { client, _ in
            var request = request
            request.parameters.size = "512x512"
            await expectFailure(.requestRejected, client, request: request, mentioning: "Invalid size")
            request.parameters.size = nil
            request.imageCount = 2
            await expectFailure(.requestRejected, client, request: request, mentioning: "n must be an integer from 1 to 1")
            request.imageCount = 1
            request.parameters.model = "openai/no-such-model"
            await expectFailure(.modelNotFound, client, request: request)
        }
    }
}
