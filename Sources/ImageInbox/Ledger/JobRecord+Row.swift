import Foundation
import GRDB

// Every job reads and writes its row a few times; Codable's generic decoding and encoding
// showed up in profiles, so the columns are mapped by hand, and dates go through LedgerDate.
extension JobRecord {
    init(row: Row) throws {
        self.init(id: row["id"], sourcePath: row["sourcePath"], inbox: row["inbox"], contentHash: row["contentHash"], kind: row["kind"], state: row["state"], now: LedgerDate.date(row["createdAt"]) ?? Date(timeIntervalSince1970: 0))
        parameters = row["parameters"]
        attempts = row["attempts"]
        requeues = row["requeues"]
        manualRetries = row["manualRetries"]
        errorCode = row["errorCode"]
        lastError = row["lastError"]
        outputs = row["outputs"]
        usdSpent = row["usdSpent"]
        costIsEstimate = row["costIsEstimate"]
        inputTokens = row["inputTokens"]
        outputTokens = row["outputTokens"]
        failingSince = LedgerDate.date(row["failingSince"])
        nextAttemptAt = LedgerDate.date(row["nextAttemptAt"])
        requestID = row["requestID"]
        pendingDownloads = row["pendingDownloads"]
        updatedAt = LedgerDate.date(row["updatedAt"]) ?? createdAt
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["sourcePath"] = sourcePath
        container["inbox"] = inbox
        container["contentHash"] = contentHash
        container["kind"] = kind
        container["state"] = state
        container["parameters"] = parameters
        container["attempts"] = attempts
        container["requeues"] = requeues
        container["manualRetries"] = manualRetries
        container["errorCode"] = errorCode
        container["lastError"] = lastError
        container["outputs"] = outputs
        container["usdSpent"] = usdSpent
        container["costIsEstimate"] = costIsEstimate
        container["inputTokens"] = inputTokens
        container["outputTokens"] = outputTokens
        container["failingSince"] = failingSince.map(LedgerDate.text)
        container["nextAttemptAt"] = nextAttemptAt.map(LedgerDate.text)
        container["requestID"] = requestID
        container["pendingDownloads"] = pendingDownloads
        container["createdAt"] = LedgerDate.text(createdAt)
        container["updatedAt"] = LedgerDate.text(updatedAt)
    }
}
