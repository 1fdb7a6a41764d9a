import SMTP

/// One rule: conditions on the stage and the reply, and the class they lead to.
///
/// A missing condition matches anything, so a rule with none is a catch-all. Every condition
/// that is present must match; within one condition the listed values are alternatives.
public struct ClassificationRule: Sendable, Equatable {
    public var name: String
    public var result: ReplyClass
    /// The stages the rule applies to, nil for all. A greeting is stored as `connect`, the
    /// name the corpus and operators use for it.
    public var stages: Set<SMTPStage>?
    public var codes: [ReplyCodePattern]?
    public var enhancedCodes: [EnhancedCodePattern]?
    public var text: ReplyTextPattern?
    /// The file the rule came from and the line of its `rule` header, so that an operator can
    /// find the rule that decided and override it.
    public var file: String
    public var line: Int

    public init(name: String, result: ReplyClass, stages: Set<SMTPStage>? = nil, codes: [ReplyCodePattern]? = nil,
                enhancedCodes: [EnhancedCodePattern]? = nil, text: ReplyTextPattern? = nil, file: String = "built-in", line: Int = 0) {
        self.name = name
        self.result = result
        self.stages = stages.map { Set($0.map(\.classificationStage)) }
        self.codes = codes
        self.enhancedCodes = enhancedCodes
        self.text = text
        self.file = file
        self.line = line
    }

    /// `classification.rules:42`.
    public var location: String { "\(file):\(line)" }

    /// True when every condition present holds for `reply` at `stage`.
    public func matches(_ reply: SMTPReply, at stage: SMTPStage) -> Bool {
        if let stages, !stages.contains(stage.classificationStage) { return false }
        if let codes, !codes.contains(where: { $0.matches(reply.code) }) { return false }
        if let enhancedCodes, !enhancedCodes.contains(where: { $0.matches(reply.enhancedCode) }) { return false }
        if let text, !text.matches(reply.text) { return false }
        return true
    }
}

extension SMTPStage {
    /// The greeting answers the TCP connect, and the corpus and operators call it `connect`;
    /// rules see one stage for both so that neither spelling silently misses.
    var classificationStage: SMTPStage { self == .greeting ? .connect : self }
}
