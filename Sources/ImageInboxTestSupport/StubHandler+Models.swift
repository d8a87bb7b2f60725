import Foundation
import Hummingbird

extension StubHandler {
    /// `GET /v1/models`: every model the stub knows, as OpenAI lists them
    /// (`{"object":"list","data":[{"id":…,"object":"model","created":…,"owned_by":"system",
    /// "shutdown_date":"YYYY-MM-DD" or null}]}`), with the shutdown dates tests set; 404 while
    /// the list is switched off.
    func models(authorization: String?, path: String) -> Response {
        let (dates, lists) = store.withState { state in
            state.modelListRequests += 1
            return (state.shutdownDates, state.listsModels)
        }
        guard lists else { return error(404, "Not found.", path: path) }
        guard authorization == "Bearer \(apiKey)" else {
            return error(401, "Invalid API key provided.", code: "invalid_api_key", path: path)
        }
        let data: [[String: Any]] = profile.models.union(dates.keys).sorted().map { id in
            ["id": id, "object": "model", "created": 1_767_225_600, "owned_by": "system", "shutdown_date": dates[id].map { $0 as Any } ?? NSNull()]
        }
        let body = (try? JSONSerialization.data(withJSONObject: ["object": "list", "data": data], options: [.sortedKeys])) ?? Data()
        return json(200, String(decoding: body, as: UTF8.self))
    }
}
