import Foundation

/// Times are stored as Unix milliseconds in INTEGER columns: exact, sortable, readable with
/// `datetime(at / 1000, 'unixepoch')` in an sqlite3 shell.
enum QueueTime {
    static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func date(_ millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    static func date(_ millis: Int64?) -> Date? {
        millis.map(date)
    }
}
