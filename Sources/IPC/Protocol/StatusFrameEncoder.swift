import Foundation
import NIOCore

/// Writes the answers that carry job statuses (`job`, `event`, `jobs`) straight into bytes,
/// byte for byte what `FrameCoding.encode` writes for them.
///
/// Why: fifty clients watching and asking for status made Foundation's JSONEncoder (with its
/// snake_case key conversion for every key of every answer) the control socket's largest cost,
/// and requests queue behind it. Dates outside 1970 to 9999 are left to Foundation (nil), as
/// is every other answer; a property test compares the two encoders.
public enum StatusFrameEncoder {
    public static func encode(_ frame: ResponseFrame, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
        var output: [UInt8] = []
        output.reserveCapacity(400)
        output.append(contentsOf: #"{"body":"#.utf8)
        let type: StaticString
        switch frame.response {
        case .job(let status):
            guard appendStatus(status, to: &output) else { return nil }
            type = #"job"}"#
        case .event(let status):
            guard appendStatus(status, to: &output) else { return nil }
            type = #"event"}"#
        case .jobs(let statuses):
            output.reserveCapacity(32 + statuses.count * 400)
            output.append(UInt8(ascii: "["))
            for (index, status) in statuses.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                guard appendStatus(status, to: &output) else { return nil }
            }
            output.append(UInt8(ascii: "]"))
            type = #"jobs"}"#
        default:
            return nil
        }
        output.append(contentsOf: #","id":"#.utf8)
        appendInteger(frame.id, to: &output)
        output.append(contentsOf: #","type":""#.utf8)
        output.append(contentsOf: UnsafeBufferPointer(start: type.utf8Start, count: type.utf8CodeUnitCount))
        return allocator.buffer(bytes: output)
    }

    /// The keys in the order `.sortedKeys` gives their snake_case spellings; absent optionals
    /// are left out, as the synthesized Encodable does.
    static func appendStatus(_ status: JobStatus, to output: inout [UInt8]) -> Bool {
        output.append(contentsOf: #"{"account":"#.utf8)
        JSONText.appendString(status.account, to: &output)
        if let pauses = status.accountPauses {
            output.append(contentsOf: #","account_pauses":["#.utf8)
            for (index, pause) in pauses.enumerated() {
                output.append(contentsOf: (index == 0 ? #"{"account":"# : #",{"account":"#).utf8)
                JSONText.appendString(pause.account, to: &output)
                output.append(contentsOf: #","reason":"#.utf8)
                JSONText.appendString(pause.reason, to: &output)
                output.append(UInt8(ascii: "}"))
            }
            output.append(UInt8(ascii: "]"))
        }
        if let accounts = status.accounts {
            output.append(contentsOf: #","accounts":["#.utf8)
            for (index, account) in accounts.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(account, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        let counts = status.counts
        output.append(contentsOf: #","counts":{"cancelled":"#.utf8)
        appendInteger(counts.cancelled, to: &output)
        output.append(contentsOf: #","deferred":"#.utf8)
        appendInteger(counts.deferred, to: &output)
        output.append(contentsOf: #","failed":"#.utf8)
        appendInteger(counts.failed, to: &output)
        output.append(contentsOf: #","pending":"#.utf8)
        appendInteger(counts.pending, to: &output)
        output.append(contentsOf: #","sending":"#.utf8)
        appendInteger(counts.sending, to: &output)
        output.append(contentsOf: #","sent":"#.utf8)
        appendInteger(counts.sent, to: &output)
        output.append(contentsOf: #","skipped":"#.utf8)
        appendInteger(counts.skipped, to: &output)
        output.append(contentsOf: #","total":"#.utf8)
        appendInteger(counts.total, to: &output)
        output.append(contentsOf: #"},"created_at":"#.utf8)
        guard appendDate(status.createdAt, to: &output) else { return false }
        output.append(contentsOf: #","duplicates":"#.utf8)
        appendInteger(status.duplicates, to: &output)
        if let finishedAt = status.finishedAt {
            output.append(contentsOf: #","finished_at":"#.utf8)
            guard appendDate(finishedAt, to: &output) else { return false }
        }
        output.append(contentsOf: #","job_id":"#.utf8)
        appendInteger(status.jobID, to: &output)
        output.append(contentsOf: #","name":"#.utf8)
        JSONText.appendString(status.name, to: &output)
        output.append(contentsOf: #","owner_uid":"#.utf8)
        appendInteger(status.ownerUID, to: &output)
        if let pauseReason = status.pauseReason {
            output.append(contentsOf: #","pause_reason":"#.utf8)
            JSONText.appendString(pauseReason, to: &output)
        }
        if let sendAt = status.sendAt {
            output.append(contentsOf: #","send_at":"#.utf8)
            guard appendDate(sendAt, to: &output) else { return false }
        }
        if let startedAt = status.startedAt {
            output.append(contentsOf: #","started_at":"#.utf8)
            guard appendDate(startedAt, to: &output) else { return false }
        }
        output.append(contentsOf: #","state":""#.utf8)
        output.append(contentsOf: status.state.rawValue.utf8)
        output.append(contentsOf: #""}"#.utf8)
        return true
    }

    static func appendInteger<T: BinaryInteger>(_ value: T, to output: inout [UInt8]) {
        output.append(contentsOf: String(value).utf8)
    }

    /// `.iso8601` as Foundation writes it: whole seconds (rounded down), UTC, `Z`. Only for
    /// 1970-01-01 to 9999-12-31, where the proleptic Gregorian arithmetic below is Foundation's.
    static func appendDate(_ date: Date, to output: inout [UInt8]) -> Bool {
        let interval = date.timeIntervalSince1970
        guard interval >= 0, interval < 253_402_300_800 else { return false }
        let seconds = Int64(interval.rounded(.down))
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        output.append(UInt8(ascii: "\""))
        appendPadded(year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2, to: &output)
        output.append(UInt8(ascii: "T"))
        appendPadded(secondOfDay / 3600, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 3600 / 60, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2, to: &output)
        output.append(contentsOf: #"Z""#.utf8)
        return true
    }

    /// Days since 1970-01-01 to a Gregorian date (Howard Hinnant's civil_from_days).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func appendPadded(_ value: Int64, width: Int, to output: inout [UInt8]) {
        let digits = String(value).utf8
        if digits.count < width { output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
        output.append(contentsOf: digits)
    }
}
