import Foundation

/// Tells a used-up quota apart from a plain "slow down": both are classified `throttle`, but
/// a quota (Gmail 550 5.4.5 "Daily user sending limit exceeded", SES 454 "Daily message quota
/// exceeded", Outlook.com 554 5.2.0 "SubmissionQuotaExceeded") clears only when its window
/// resets, so the account pauses until then instead of retrying after a short cool-down.
public enum QuotaReply {
    /// A throttle reply with a permanent code (the provider means "not today"), or whose
    /// text names a daily or submission quota.
    public static func isQuota(replyClass: ReplyClass, code: Int?, text: String?) -> Bool {
        guard replyClass == .throttle else { return false }
        if let code, (500..<600).contains(code) { return true }
        guard let text else { return false }
        return text.range(of: #"daily|per day|24[ -]?hours?|quota"#, options: [.regularExpression, .caseInsensitive]) != nil
    }

    /// When a quota counted over a rolling `window` frees a slot again: when the oldest send
    /// still inside the window leaves it. With no send on record, a whole window from now.
    public static func resetInstant(oldestSendInWindow: Date?, window: Duration = DeliveryDefaults.quotaWindow, now: Date) -> Date {
        let length = window.policySeconds
        guard let oldest = oldestSendInWindow, oldest > now.addingTimeInterval(-length) else { return now.addingTimeInterval(length) }
        return max(oldest.addingTimeInterval(length), now)
    }
}
