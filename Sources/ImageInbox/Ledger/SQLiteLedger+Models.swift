package import Foundation
import GRDB

extension SQLiteLedger {
    /// The models of the jobs recorded or run since `date`, read from their parameters (JSON in
    /// the `parameters` column; there is no model column).
    ///
    /// Every job changes on its way, so a job created since `date` changed since too: asking by
    /// `updatedAt` (indexed) finds those, and the older jobs run again since.
    package func modelsUsed(since date: Date) async throws -> Set<String> {
        try await reader.read { db in
            Set(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT json_extract(parameters, '$.model') FROM job
                        WHERE updatedAt >= ? AND json_valid(parameters) AND json_type(parameters, '$.model') = 'text'
                        """,
                    arguments: [LedgerDate.text(date)]
                )
            )
        }
    }
}
