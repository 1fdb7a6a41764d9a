import Foundation

/// The small, standards-correct message `mailctl verify --send-test` sends: 7-bit text, the
/// headers receivers require (RFC 5322 section 3.6), so that a spam filter has no reason to
/// drop it and the operator sees it arrive.
struct TestMessage {
    var from: String
    var to: String
    var relay: String
    var date = Date()

    func rendered() -> [UInt8] {
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        let id = UUID().uuidString.lowercased()
        let lines = [
            "From: maild verify <\(from)>",
            "To: <\(to)>",
            "Subject: maild relay check via \(relay)",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <verify.\(id)@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
            "Content-Transfer-Encoding: 7bit",
            "",
            "This message was sent by `mailctl verify --send-test` to check that the relay",
            "\(relay) accepts mail from this machine. No action is needed.",
            "",
        ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
