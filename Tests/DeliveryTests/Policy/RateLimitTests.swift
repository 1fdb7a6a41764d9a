import Delivery
import Testing

struct RateLimitTests {
    @Test(arguments: [
        ("30/min", 30, 60.0, "30/min"),
        ("100/hour", 100, 3600, "100/hour"),
        ("1/8m", 1, 480, "1/8m"),
        ("2000/day", 2000, 86400, "2000/day"),
        ("5/s", 5, 1, "5/s"),
        (" 10 / 1h ", 10, 3600, "10/hour"),
        ("30/minute", 30, 60, "30/min"),
        ("7/90s", 7, 90, "7/90s"),
        ("3/2d", 3, 172_800, "3/2d"),
        ("50/week", 50, 604_800, "50/week"),
        ("4/250ms", 4, 0.25, "4/250ms"),
        ("1/SEC", 1, 1, "1/s"),
    ])
    func parsesOperatorForms(input: String, count: Int, seconds: Double, canonical: String) throws {
        let limit = try RateLimit(operatorInput: input)
        #expect(limit.count == count)
        #expect(limit.per == .milliseconds(Int64(seconds * 1000)))
        #expect(limit.description == canonical)
        #expect(try RateLimit(operatorInput: limit.description) == limit)
    }

    @Test(arguments: [
        ("30", "missing \"/\""),
        ("30/min/2", "more than one"),
        ("thirty/min", "not a whole number"),
        ("1.5/min", "not a whole number"),
        ("0/min", "at least 1"),
        ("-3/min", "at least 1"),
        ("30/fortnight", "is not a period"),
        ("30/", "is not a period"),
        ("30/0s", "at least 1ms"),
        ("2000000/day", "at most 1000000"),
    ])
    func rejectsWithAReason(input: String, reason: String) {
        #expect {
            _ = try RateLimit(operatorInput: input)
        } throws: { error in
            let text = "\(error)"
            return text.contains(String(reflecting: input)) && text.contains(reason) && text.contains("e.g. 30/min")
        }
    }
}
