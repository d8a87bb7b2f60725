import GRDB

extension SQLiteLedger {
    /// The ledger's schema history. Shipped migrations are never edited; changes are new ones.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: jobs") { db in
            try db.create(table: "job") { table in
                table.primaryKey("id", .text)
                table.column("sourcePath", .text).notNull()
                table.column("contentHash", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("state", .text).notNull().indexed()
                table.column("parameters", .text)
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("errorCode", .text)
                table.column("lastError", .text)
                table.column("outputs", .text).notNull().defaults(to: "[]")
                table.column("usdSpent", .double)
                table.column("inputTokens", .integer)
                table.column("outputTokens", .integer)
                table.column("createdAt", .datetime).notNull()
                table.column("updatedAt", .datetime).notNull()
                table.uniqueKey(["sourcePath", "contentHash"])
            }
        }
        migrator.registerMigration("v2: inboxes, requeues, estimates, daemon state") { db in
            try db.alter(table: "job") { table in
                table.add(column: "inbox", .text).notNull().defaults(to: "")
                table.add(column: "requeues", .integer).notNull().defaults(to: 0)
                table.add(column: "costIsEstimate", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "job_on_updatedAt", on: "job", columns: ["updatedAt"])
            try db.create(table: "daemonState") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
                table.column("updatedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3: retries over time, provider request ids, pending downloads") { db in
            try db.alter(table: "job") { table in
                table.add(column: "failingSince", .datetime)
                table.add(column: "nextAttemptAt", .datetime)
                table.add(column: "requestID", .text)
                table.add(column: "pendingDownloads", .text)
            }
        }
        migrator.registerMigration("v4: manual retries") { db in
            try db.alter(table: "job") { table in
                table.add(column: "manualRetries", .integer).notNull().defaults(to: 0)
            }
        }
        return migrator
    }
}
