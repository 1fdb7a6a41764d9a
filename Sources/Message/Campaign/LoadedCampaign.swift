/// A validated campaign: the spec to render with, the recipients to pull in chunks, and what
/// validation counted.
public struct LoadedCampaign: Sendable {
    public let spec: CampaignSpec
    /// Unique recipients that will be sent to (after duplicates and skipped ones).
    public let recipientCount: Int
    /// Recipients collapsed because the same address was listed before.
    public let duplicateCount: Int
    /// Invalid recipients left out because the loader was told to `skipInvalid`.
    public let skippedCount: Int
    /// The skipped recipients with their places, at most `CampaignLoader.maximumProblems`.
    public let skipped: [CampaignProblem]

    let source: RecipientSource
    let skipInvalid: Bool
    let file: String

    /// The recipients come from a CSV file (streamed), not from the campaign file itself.
    public var readsRecipientFile: Bool {
        if case .csv = source { return true }
        return false
    }

    /// Recipients in list order, streamed from the CSV file when there is one: each call starts
    /// from the beginning.
    public func makeRecipientIterator() throws(CampaignValidationError) -> RecipientIterator {
        try RecipientIterator(source: source, skipInvalid: skipInvalid, file: file,
                              headerVariables: RecipientFilter.headerVariables(subject: spec.subject))
    }
}

/// Where recipients come from.
enum RecipientSource: Sendable {
    struct Inline: Sendable {
        var email: String
        var name: String?
        var variables: [String: String]
    }

    struct CSVLayout: Sendable {
        /// Resolved path, and the path as the campaign wrote it (for messages).
        var path: String
        var displayName: String
        var columns: [String]
        var emailColumn: Int
        var nameColumn: Int?
    }

    case inline([Inline])
    case csv(CSVLayout)
}

/// Pulls recipients one at a time or in chunks; a CSV list is read block by block, so memory
/// stays bounded whatever the list's length (plus 16 bytes per unique address for duplicate
/// detection).
///
/// ```swift
/// var recipients = try loaded.makeRecipientIterator()
/// while case let chunk = try recipients.next(upTo: 1000), !chunk.isEmpty { send(chunk) }
/// ```
///
/// Duplicates are dropped, invalid recipients skipped when the campaign was loaded with
/// `skipInvalid`; otherwise an invalid one (the file changed since it was validated) throws.
public struct RecipientIterator {
    private var filter: RecipientFilter
    private var inline: [RecipientSource.Inline] = []
    private var inlineIndex = 0
    private var reader: RecipientCSVReader?
    private var layout: RecipientSource.CSVLayout?
    private let skipInvalid: Bool
    private let file: String

    init(source: RecipientSource, skipInvalid: Bool, file: String, headerVariables: [String]) throws(CampaignValidationError) {
        self.skipInvalid = skipInvalid
        self.file = file
        filter = RecipientFilter(headerVariables: headerVariables)
        switch source {
        case .inline(let recipients):
            inline = recipients
        case .csv(let layout):
            self.layout = layout
            do {
                let reader = try RecipientCSVReader(path: layout.path)
                _ = try reader.next()  // the header row, checked by the loader
                self.reader = reader
            } catch {
                throw CampaignValidationError(file: file, problems: [CampaignLoader.problem(for: error, csv: layout.displayName)])
            }
        }
    }

    /// The most bytes the CSV reader held at once (0 for inline lists).
    public var peakBufferedBytes: Int { reader?.peakBufferedBytes ?? 0 }

    public mutating func next() throws(CampaignValidationError) -> CampaignRecipient? {
        while true {
            let email: String, name: String?, variables: [String: String]
            let place: (RecipientFilter.Failure) -> CampaignProblem
            if let reader, let layout {
                let record: RecipientCSVReader.Record?
                do {
                    record = try reader.next()
                } catch {
                    throw CampaignValidationError(file: file, problems: [CampaignLoader.problem(for: error, csv: layout.displayName)])
                }
                guard let record else { return nil }
                let where_ = "\(layout.displayName):\(record.line)"
                guard record.fields.count == layout.columns.count else {
                    throw CampaignValidationError(file: file, problems: [CampaignProblem(
                        place: where_, message: CampaignLoader.fieldCountMessage(record.fields.count, layout.columns.count), isInOtherFile: true)])
                }
                email = record.fields[layout.emailColumn]
                name = layout.nameColumn.map { record.fields[$0] }
                variables = CampaignLoader.variables(of: record.fields, layout: layout)
                place = { failure in
                    let (location, message) = failure.problem(csv: layout.displayName, line: record.line)
                    return CampaignProblem(place: location, message: message, isInOtherFile: true)
                }
            } else {
                guard inlineIndex < inline.count else { return nil }
                let entry = inline[inlineIndex]
                email = entry.email
                name = entry.name
                variables = entry.variables
                let index = inlineIndex
                place = { failure in
                    let (location, message) = failure.problem(inlineIndex: index)
                    return CampaignProblem(place: location, message: message)
                }
                inlineIndex += 1
            }
            switch filter.check(email: email, name: name, variables: variables) {
            case .accepted(let recipient):
                return recipient
            case .duplicate:
                continue
            case .invalid(let failures):
                if skipInvalid { continue }
                throw CampaignValidationError(file: file, problems: failures.map(place))
            }
        }
    }

    /// Up to `count` recipients; empty at the end.
    public mutating func next(upTo count: Int) throws(CampaignValidationError) -> [CampaignRecipient] {
        var chunk: [CampaignRecipient] = []
        chunk.reserveCapacity(min(count, 10_000))
        while chunk.count < count, let recipient = try next() { chunk.append(recipient) }
        return chunk
    }
}
