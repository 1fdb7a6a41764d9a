import Delivery
import Foundation

/// What happened in one attempt: the reply (or session failure) and how it was classified.
public struct AttemptInfo: Hashable, Sendable {
    public var at: Date
    /// The SMTP stage the outcome was decided at (`SMTPStage.rawValue`, e.g. "rcpt", "data").
    public var stage: String?
    public var code: Int?
    public var enhanced: String?
    public var text: String?
    public var replyClass: ReplyClass?
    /// The classification rule that decided, so operators can find it in classification.rules.
    public var rule: String?
    public var durationMilliseconds: Int

    public init(at: Date, stage: String? = nil, code: Int? = nil, enhanced: String? = nil, text: String? = nil,
                replyClass: ReplyClass? = nil, rule: String? = nil, durationMilliseconds: Int = 0) {
        self.at = at
        self.stage = stage
        self.code = code
        self.enhanced = enhanced
        self.text = text
        self.replyClass = replyClass
        self.rule = rule
        self.durationMilliseconds = durationMilliseconds
    }
}
