package import Foundation
import PostgresNIO

extension PostgresLedger {
    /// The models of the jobs recorded or run since `date` on every host, read from their
    /// parameters (JSON kept as `text`; there is no model column).
    ///
    /// Every job changes on its way, so a job created since `date` changed since too: asking by
    /// `updated_at` (indexed) finds those, and the older jobs run again since.
    package func modelsUsed(since date: Date) async throws -> Set<String> {
        let rows = try await client.query(
            """
            SELECT DISTINCT parameters::jsonb->>'model' FROM job
            WHERE updated_at >= \(date) AND parameters IS NOT NULL AND jsonb_typeof(parameters::jsonb->'model') = 'string'
            """,
            logger: logger
        )
        var models: Set<String> = []
        for try await model in rows.decode(String.self) { models.insert(model) }
        return models
    }
}
