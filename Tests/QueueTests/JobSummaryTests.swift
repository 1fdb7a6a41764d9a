import Foundation
import Queue
import Testing

/// status, list and the housekeeping read jobs many times a second: they must not drag the
/// campaign spec (bodies, attachments) out of SQLite each time.
struct JobSummaryTests {
    @Test func listingAndSummaryReadsLeaveTheSpecBehind() throws {
        let queue = try TemporaryQueue()
        defer { queue.remove() }
        let store = try queue.open()
        let jobID = try QueueFixtures.submit(store, ["a@example.com", "b@example.com"])

        let full = try #require(try store.job(id: jobID))
        #expect(full.spec == Data(#"{"subject":"Hello"}"#.utf8))

        let summary = try #require(try store.job(id: jobID, includingSpec: false))
        #expect(summary.spec.isEmpty)
        var withoutSpec = full
        withoutSpec.spec = Data()
        #expect(summary == withoutSpec)

        let listed = try store.jobs()
        #expect(listed.count == 1)
        #expect(listed.first == withoutSpec)
    }
}
