/// One thing wrong with a campaign, with where it is: a JSON path (`recipients[3].email`) or a
/// file and line (`list.csv:17`).
public struct CampaignProblem: Sendable, Equatable, CustomStringConvertible {
    /// `recipients[3].email`, `subject`, `list.csv:17`, or "" for the whole file.
    public var place: String
    public var message: String
    /// True when `place` is a file and line of its own (the recipients CSV), not a path inside
    /// the campaign file.
    public var isInOtherFile: Bool

    public init(place: String, message: String, isInOtherFile: Bool = false) {
        self.place = place
        self.message = message
        self.isInOtherFile = isInOtherFile
    }

    public var description: String { place.isEmpty ? message : "\(place): \(message)" }
}

/// Every problem found in a campaign file at once, so the operator fixes them in one round.
/// Renders like compiler output, one problem per line:
///
/// ```
/// campaign.json: recipients[3].email: "bob@" is not a valid address: missing domain
/// list.csv:17: 3 fields, the header row has 4
/// ```
///
/// Lines that point into a CSV file start with that file's name (the place already names it).
public struct CampaignValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The campaign file as the caller named it.
    public var file: String
    public var problems: [CampaignProblem]
    /// Problems beyond `CampaignLoader.maximumProblems` are counted, not kept: a broken
    /// million-line list would otherwise print a million lines.
    public var omitted: Int

    public init(file: String, problems: [CampaignProblem], omitted: Int = 0) {
        self.file = file
        self.problems = problems
        self.omitted = omitted
    }

    /// One line per problem.
    public var lines: [String] {
        var lines = problems.map { $0.isInOtherFile ? $0.description : "\(file): \($0.description)" }
        if omitted > 0 { lines.append("\(file): \(omitted) more problems not shown") }
        return lines
    }

    public var description: String { lines.joined(separator: "\n") }
}
