import Foundation

/// Reads a campaign file (JSON, described in docs/campaign.md), the files it names and its
/// recipient list, and reports every problem at once with its place.
///
/// ```swift
/// let loaded = try CampaignLoader(skipInvalid: false).load(path: "campaign.json")
/// let composer = try MessageComposer(spec: loaded.spec)
/// ```
public struct CampaignLoader: Sendable {
    /// Leave out invalid recipient addresses (reported in `LoadedCampaign.skipped`) instead of
    /// refusing the campaign.
    public var skipInvalid: Bool
    /// Checked while loading, so a campaign over a limit is refused before anything is read
    /// whole or uploaded. mailctl passes the built-in defaults; maild checks its own
    /// configured values again on upload.
    public var limits: CampaignLimits
    /// Problems kept for the report; more are counted (see `CampaignValidationError.omitted`).
    public static let maximumProblems = 1000
    /// When false, a recipient CSV file's header is checked but its rows are not read: the
    /// caller streams and checks them itself (mailctl runs the full check beside the upload
    /// of a large list and commits only if it passes). Counts in the result are then zero.
    public var readsRecipientRows = true

    public init(skipInvalid: Bool = false, limits: CampaignLimits = .standard) {
        self.skipInvalid = skipInvalid
        self.limits = limits
    }

    static let topLevelFields = ["name", "account", "accounts", "from", "reply_to", "subject", "text", "text_file", "html", "html_file",
                                 "attachments", "headers", "recipients", "recipients_file", "send_at", "rate_limits", "unsubscribe"]
    static let rateLimitFields = ["per_second", "per_minute", "per_hour", "per_day"]
    /// Built-ins a CSV column or inline variable may not redefine (email and name are the
    /// recipient's own columns).
    static let computedVariables = ["first_name_or_email", "domain", "campaign", "unsubscribe_url", "token"]

    public func load(path: String) throws(CampaignValidationError) -> LoadedCampaign {
        var loading = Loading(file: path, skipInvalid: skipInvalid, limits: limits, readsRecipientRows: readsRecipientRows)
        return try loading.run()
    }

    static func problem(for failure: RecipientCSVReader.Failure, csv: String) -> CampaignProblem {
        switch failure {
        case .unreadable(let reason):
            return CampaignProblem(place: csv, message: "cannot read the recipient list: \(reason)", isInOtherFile: true)
        case .unterminatedQuote(let line):
            return CampaignProblem(place: "\(csv):\(line)", message: "a quoted field is never closed (a '\"' is missing)", isInOtherFile: true)
        case .recordTooLong(let line):
            return CampaignProblem(place: "\(csv):\(line)",
                                   message: "record longer than \(RecipientCSVReader.longestRecord) bytes; probably a '\"' is missing",
                                   isInOtherFile: true)
        case .notUTF8(let line, let field):
            return CampaignProblem(place: "\(csv):\(line)", message: "field \(field) is not UTF-8; save the file as UTF-8", isInOtherFile: true)
        }
    }

    static func fieldCountMessage(_ count: Int, _ expected: Int) -> String {
        "\(count) field\(count == 1 ? "" : "s"), the header row has \(expected)"
    }

    static func variables(of fields: [String], layout: RecipientSource.CSVLayout) -> [String: String] {
        var variables: [String: String] = [:]
        for (index, column) in layout.columns.enumerated() where index != layout.emailColumn && index != layout.nameColumn {
            variables[column] = fields[index]
        }
        return variables
    }

    /// Values in the unsubscribe URL are percent-encoded so that none can change it (a "&t=" or a
    /// "../" from a recipient's data); triple braces and `{{& }}` would insert them raw.
    public static func insertsRawValues(_ url: String) -> Bool {
        url.contains("{{{") || url.range(of: #"\{\{\s*&"#, options: .regularExpression) != nil
    }

    public static let rawValuesInURLAdvice =
        "use {{name}}, not {{{name}}} or {{& name}}: values in the URL are percent-encoded so that a value cannot change the URL"
}

/// One load: the problems found so far and the pieces of the spec.
private struct Loading {
    let file: String
    let skipInvalid: Bool
    let limits: CampaignLimits
    let readsRecipientRows: Bool
    let directory: URL
    var problems: [CampaignProblem] = []
    var omitted = 0

    init(file: String, skipInvalid: Bool, limits: CampaignLimits, readsRecipientRows: Bool) {
        self.file = file
        self.skipInvalid = skipInvalid
        self.limits = limits
        self.readsRecipientRows = readsRecipientRows
        directory = URL(fileURLWithPath: file).deletingLastPathComponent()
    }

    mutating func add(_ place: String, _ message: String, otherFile: Bool = false) {
        guard problems.count < CampaignLoader.maximumProblems else {
            omitted += 1
            return
        }
        problems.append(Self.safeProblem(place, message, otherFile: otherFile))
    }

    /// A problem whose place and message cannot forge lines of the report: a JSON key or a
    /// file name can hold anything, so control characters are escaped in both.
    static func safeProblem(_ place: String, _ message: String, otherFile: Bool) -> CampaignProblem {
        let safePlace = escapingControls(place) == place ? place : MessageError.quoted(place)
        return CampaignProblem(place: safePlace, message: escapingControls(message), isInOtherFile: otherFile)
    }

    /// A limit problem at its field, naming the key that raises it in maild.conf.
    mutating func add(_ violation: CampaignLimitViolation, prefix: String = "") {
        add(violation.place, "\(prefix)\(violation.message) (\(violation.configurationKey) in maild's [limits])")
    }

    /// The file's bytes, or nil when it cannot be read. Not `FileManager.contents(atPath:)`:
    /// on Linux it leaks 4 KiB for every empty file (swift-foundation's zero-size read path
    /// hands its buffer to an empty `Data`, which never frees it); found by Tests/Fuzz.
    static func readFile(atPath path: String) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            return nil
        }
    }

    enum BoundedRead {
        case data(Data)
        /// The file's size, or at least `maximum + 1` when it has none (a pipe, a device).
        case tooLarge(size: Int)
        case unreadable
    }

    /// At most `maximum` bytes of a file: a campaign naming a 4 GiB file, or /dev/zero, is
    /// refused after reading one byte more than the limit, not after reading it whole.
    static func readFile(atPath path: String, maximum: Int) -> BoundedRead {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unreadable }
        defer { try? handle.close() }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let statedSize = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        if statedSize > maximum { return .tooLarge(size: statedSize) }
        do {
            let data = try handle.read(upToCount: maximum + 1) ?? Data()
            return data.count > maximum ? .tooLarge(size: max(statedSize, data.count)) : .data(data)
        } catch {
            return .unreadable
        }
    }

    /// Messages quote what the file said (a body file's name, say), which can hold anything:
    /// control and line-separator characters are written as escapes, so no problem can forge
    /// lines of the report or reach the terminal raw (found by Tests/Fuzz, target campaign).
    static func escapingControls(_ text: String) -> String {
        func breaksReport(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isMessageControl || scalar == "\u{2028}" || scalar == "\u{2029}"
        }
        guard text.unicodeScalars.contains(where: breaksReport) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": result += "\\r"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where breaksReport(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    func fail() -> CampaignValidationError { CampaignValidationError(file: file, problems: problems, omitted: omitted) }

    mutating func run() throws(CampaignValidationError) -> LoadedCampaign {
        guard let data = Self.readFile(atPath: file) else {
            add("", "cannot read the campaign file")
            throw fail()
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            add("", "not valid JSON\(Self.jsonErrorPlace(detail, error: error as NSError, in: data)): \(detail)")
            throw fail()
        }
        guard let object = root as? [String: Any] else {
            add("", "the campaign must be a JSON object")
            throw fail()
        }
        checkUnknown(object, known: CampaignLoader.topLevelFields, prefix: "")

        let name = requiredString(object, "name", what: "a campaign name (shown in logs and mailctl status)") ?? ""
        let accounts = accounts(object)
        let from = mailbox(object["from"], place: "from", required: true)
        let replyTo = mailbox(object["reply_to"], place: "reply_to", required: false)
        let subject = requiredString(object, "subject", what: "a subject") ?? ""
        if let violation = limits.templateViolation(size: subject.utf8.count, place: "subject") { add(violation) }
        let headerVariables = RecipientFilter.headerVariables(subject: subject)
        if TemplateScanner.scan(subject).variables.contains(where: { $0.name == "campaign" }),
           let (scalar, offset) = firstControlCharacter(in: name, allowingTab: true) {
            add("name", "control character \(MessageError.scalar(scalar)) at character \(offset + 1); the subject uses {{campaign}}, "
                + "and a header field cannot hold control characters (only TAB); remove it")
        }
        let text = body(object, inline: "text", file: "text_file")
        let html = body(object, inline: "html", file: "html_file")
        if object["text"] == nil && object["text_file"] == nil && object["html"] == nil && object["html_file"] == nil {
            add("text", "missing body: set text, text_file, html or html_file")
        }
        let attachments = attachments(object["attachments"])
        let headers = headers(object["headers"])
        let sendAt = sendAt(object["send_at"])
        let rateLimits = rateLimits(object["rate_limits"])
        let unsubscribe = unsubscribe(object["unsubscribe"])

        let spec = CampaignSpec(name: name, account: accounts.first ?? "", from: from ?? CampaignMailbox(address: ""), replyTo: replyTo, subject: subject,
                                text: text?.source, html: html?.source, attachments: attachments, headers: headers, sendAt: sendAt,
                                rateLimits: rateLimits, unsubscribe: unsubscribe,
                                additionalAccounts: accounts.count > 1 ? Array(accounts.dropFirst()) : nil)

        // Recipients and the variables they define.
        var recipients = RecipientTally()
        let source = recipientSource(object, headerVariables: headerVariables, tally: &recipients)

        var templates: [(place: String, label: String?, source: String)] = [("subject", nil, subject)]
        if let text { templates.append(text.file.map { ("text_file", $0, text.source) } ?? ("text", nil, text.source)) }
        if let html { templates.append(html.file.map { ("html_file", $0, html.source) } ?? ("html", nil, html.source)) }
        if let url = unsubscribe?.url { templates.append(("unsubscribe.url", nil, url)) }
        for template in templates {
            do {
                _ = try CompiledTemplate(template.source, escaping: .none)
            } catch {
                add(template.place, (template.label.map { "\($0): " } ?? "") + error.description)
                continue
            }
            let unsupported = TemplateScanner.scan(template.source).unsupported
            for tag in unsupported {
                add(template.place, Self.location(label: template.label, line: tag.line) + tag.description)
            }
            if unsupported.isEmpty {
                checkVariables(template, defined: recipients.defined, missingIn: recipients.missingIn, source: source, unsubscribe: unsubscribe)
            }
        }
        if problems.isEmpty, source != nil {
            do {
                _ = try MessageComposer(spec: spec)
            } catch {
                add("", error.description)
            }
        }
        guard problems.isEmpty, let source else { throw fail() }
        return LoadedCampaign(spec: spec, recipientCount: recipients.accepted, duplicateCount: recipients.duplicates,
                              skippedCount: recipients.skippedCount, skipped: recipients.skipped, source: source,
                              skipInvalid: skipInvalid, file: file)
    }

    // MARK: fields

    /// `account` (one name) or `accounts` (a list of names that share the campaign: failover).
    mutating func accounts(_ object: [String: Any]) -> [String] {
        switch (object["account"], object["accounts"]) {
        case (nil, nil):
            add("account", "missing: the sending account's name from maild's configuration (or \"accounts\": a list of them)")
            return []
        case (.some, .some):
            add("accounts", "set either account (one name) or accounts (a list), not both")
            return []
        case (.some, nil):
            return requiredString(object, "account", what: "").map { [$0] } ?? []
        case (nil, .some(let value)):
            guard let list = value as? [Any], !list.isEmpty else {
                add("accounts", "must be a non-empty list of account names, e.g. [\"gmail-main\", \"ses\"]")
                return []
            }
            var names: [String] = []
            for (index, item) in list.enumerated() {
                guard let name = item as? String, !name.trimmingWhitespace.isEmpty else {
                    add("accounts[\(index)]", "must be a non-empty string (an account's name from maild's configuration)")
                    continue
                }
                if names.contains(name) {
                    add("accounts[\(index)]", "\"\(name)\" is listed twice")
                    continue
                }
                names.append(name)
            }
            if names.count > Self.maximumAccounts {
                add("accounts", "\(names.count) accounts; at most \(Self.maximumAccounts)")
            }
            return names
        }
    }

    static let maximumAccounts = 16

    mutating func checkUnknown(_ object: [String: Any], known: [String], prefix: String) {
        for key in object.keys.sorted() where !known.contains(key) {
            let suggestion = FieldSuggestion.closest(to: key, among: known).map { "; did you mean \"\($0)\"?" } ?? ""
            add(prefix + key, "unknown field\(suggestion)")
        }
    }

    mutating func requiredString(_ object: [String: Any], _ key: String, what: String) -> String? {
        guard let value = object[key] else {
            add(key, "missing: \(what)")
            return nil
        }
        guard let text = value as? String, !text.trimmingWhitespace.isEmpty else {
            add(key, "must be a non-empty string")
            return nil
        }
        return text
    }

    mutating func optionalString(_ value: Any?, place: String) -> String? {
        guard let value else { return nil }
        guard let text = value as? String else {
            add(place, "must be a string")
            return nil
        }
        return text
    }

    mutating func mailbox(_ value: Any?, place: String, required: Bool) -> CampaignMailbox? {
        guard let value else {
            if required { add(place, "missing: the sender, as \"Name <address>\" or {\"name\": ..., \"address\": ...}") }
            return nil
        }
        var mailbox: CampaignMailbox
        if let text = value as? String {
            do {
                let address = try EmailAddress(text)
                mailbox = CampaignMailbox(name: address.displayName, address: address.smtpPath)
            } catch {
                add(place, RecipientFilter.describe(error, email: text))
                return nil
            }
            return mailbox
        }
        guard let object = value as? [String: Any] else {
            add(place, "must be \"Name <address>\" or an object with name and address")
            return nil
        }
        checkUnknown(object, known: ["name", "address"], prefix: place + ".")
        guard let address = object["address"] as? String else {
            add(place + ".address", "missing: the address")
            return nil
        }
        let name = optionalString(object["name"], place: place + ".name")
        do {
            _ = try EmailAddress(addrSpec: address, displayName: name)
        } catch {
            add(place + (error.isDisplayNameProblem ? ".name" : ".address"), RecipientFilter.describe(error, email: address))
            return nil
        }
        return CampaignMailbox(name: name, address: address)
    }

    /// A template file, at most `limits.maximumTemplateSize` bytes after its byte order mark.
    mutating func readText(_ relative: String, place: String) -> String? {
        let url = resolve(relative)
        let data: Data
        switch Self.readFile(atPath: url.path, maximum: limits.maximumTemplateSize + 3) {
        case .data(let read):
            data = read
        case .tooLarge(let size):
            if let violation = limits.templateViolation(size: size, place: place) { add(violation, prefix: "\(relative) is ") }
            return nil
        case .unreadable:
            add(place, "cannot read \(relative)" + (FileManager.default.fileExists(atPath: url.path) ? "" : ": no such file"))
            return nil
        }
        var bytes = Array(data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let violation = limits.templateViolation(size: bytes.count, place: place) {
            add(violation, prefix: "\(relative) is ")
            return nil
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            add(place, "\(relative) is not UTF-8; save it as UTF-8")
            return nil
        }
        return text
    }

    func resolve(_ relative: String) -> URL {
        relative.hasPrefix("/") ? URL(fileURLWithPath: relative) : directory.appendingPathComponent(relative)
    }

    mutating func body(_ object: [String: Any], inline: String, file: String) -> (source: String, file: String?)? {
        if object[inline] != nil && object[file] != nil {
            add(file, "set either \(inline) or \(file), not both")
            return nil
        }
        if let text = optionalString(object[inline], place: inline) {
            if let violation = limits.templateViolation(size: text.utf8.count, place: inline) { add(violation) }
            return (text, nil)
        }
        if let path = optionalString(object[file], place: file) {
            return readText(path, place: file).map { ($0, path) }
        }
        return nil
    }

    mutating func attachments(_ value: Any?) -> [CampaignAttachment] {
        guard let value else { return [] }
        guard let list = value as? [Any] else {
            add("attachments", "must be a list of {\"path\": ...} objects")
            return []
        }
        if list.count > limits.maximumAttachments {
            // Reported alone: reading thousands of files to list their problems helps nobody.
            add(CampaignLimitViolation(.attachments, place: "attachments", actual: list.count, maximum: limits.maximumAttachments))
            return []
        }
        var result: [CampaignAttachment] = []
        var total = 0
        for (index, item) in list.enumerated() {
            let place = "attachments[\(index)]"
            guard let object = item as? [String: Any] else {
                add(place, "must be an object with path, and optionally content_type and filename")
                continue
            }
            checkUnknown(object, known: ["path", "content_type", "filename"], prefix: place + ".")
            guard let path = object["path"] as? String else {
                add(place + ".path", "missing: the file to attach")
                continue
            }
            let filename = optionalString(object["filename"], place: place + ".filename") ?? URL(fileURLWithPath: path).lastPathComponent
            let contentType = optionalString(object["content_type"], place: place + ".content_type") ?? Self.guessContentType(path)
            var ok = true
            do {
                try MIMEToken.validateValue(contentType, field: "content_type")
                if !contentType.contains("/") { throw MessageError.invalidToken(contentType, offset: nil, field: "content_type") }
            } catch {
                add(place + ".content_type", "\(MessageError.quoted(contentType)) is not a media type like application/pdf")
                ok = false
            }
            if let (scalar, offset) = firstControlCharacter(in: filename) {
                add(place + ".filename", "control character \(MessageError.scalar(scalar)) at character \(offset + 1) is not allowed")
                ok = false
            }
            // Never more than the total limit in memory: past it, files are only measured.
            let remaining = max(0, limits.maximumTotalAttachmentSize - total)
            switch Self.readFile(atPath: resolve(path).path, maximum: min(limits.maximumAttachmentSize, remaining)) {
            case .unreadable:
                add(place + ".path", "cannot read \(path)")
            case .tooLarge(let size):
                total += size
                if let violation = limits.attachmentViolation(size: size, index: index) { add(violation) }
            case .data(let data):
                total += data.count
                if ok { result.append(CampaignAttachment(filename: filename, contentType: contentType, data: data)) }
            }
        }
        if let violation = limits.totalAttachmentViolation(size: total) { add(violation) }
        return result
    }

    static func guessContentType(_ path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "pdf": return "application/pdf"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "txt": return "text/plain"
        case "csv": return "text/csv"
        case "html", "htm": return "text/html"
        case "ics": return "text/calendar"
        case "zip": return "application/zip"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }

    mutating func headers(_ value: Any?) -> [CampaignHeader] {
        guard let value else { return [] }
        guard let object = value as? [String: Any] else {
            add("headers", "must be an object of \"Header-Name\": \"value\"")
            return []
        }
        var result: [CampaignHeader] = []
        for name in object.keys.sorted() {
            let place = "headers.\(name)"
            guard let text = object[name] as? String else {
                add(place, "must be a string")
                continue
            }
            if MessageComposer.reservedHeaderNames.contains(name.lowercased()) {
                add(place, "maild writes this field itself; remove it")
                continue
            }
            if MessageComposer.refusedCampaignHeaderNames.contains(name.lowercased()) {
                add(place, "receiving servers write this field (or it describes another message); a campaign may not set it")
                continue
            }
            if let first = result.first(where: { $0.name.lowercased() == name.lowercased() }) {
                add(place, "the same field as headers.\(first.name) (names compare without case); keep one")
                continue
            }
            do {
                _ = try HeaderEncoder().encode(name: name, value: text)
            } catch {
                add(place, error.description)
                continue
            }
            result.append(CampaignHeader(name: name, value: text))
        }
        return result
    }

    mutating func sendAt(_ value: Any?) -> Date? {
        guard let value else { return nil }
        guard let text = value as? String else {
            add("send_at", "must be an RFC 3339 time string such as \"2025-07-01T09:00:00+02:00\"")
            return nil
        }
        // A fraction of a second is dropped before parsing, for two reasons found by Tests/Fuzz
        // (target campaign): the spec crosses IPC as RFC 3339 in whole seconds, so a kept
        // fraction changed the time between mailctl and maild; and ICU's fraction parser dies
        // of SIGFPE on a long run of digits ("09:00:00.2505555...").
        // The shape is checked first: ISO8601DateFormatter also reads "20e5-07-01T..." as some
        // date that does not survive the trip to maild (found by Tests/Fuzz, target campaign).
        let wholeSeconds = Self.withoutFraction(text)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if Self.isRFC3339DateTime(wholeSeconds), let date = formatter.date(from: wholeSeconds) {
            // The formatter rolls an impossible day over (2026-02-30 became March 2).
            if let problem = Self.impossibleDay(wholeSeconds) {
                add("send_at", "\(MessageError.quoted(text)): \(problem)")
                return nil
            }
            return date
        }
        add("send_at", "\(MessageError.quoted(text)) is not an RFC 3339 time; write it like \"2025-07-01T09:00:00+02:00\" (the offset is required)")
        return nil
    }

    /// "February 2026 has 28 days" for a day past its month's end; nil for a real date.
    static func impossibleDay(_ text: String) -> String? {
        let digits = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1) - 48 } }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        guard (1...12).contains(month) else { return "there is no month \(month)" }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day >= 1, day <= length else {
            let name = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                        "November", "December"][month - 1]
            return "\(name) \(year) has \(length) days"
        }
        return nil
    }

    /// RFC 3339 5.6 date-time without time-secfrac: `2025-07-01T09:00:00+02:00` or `...Z`.
    static func isRFC3339DateTime(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 20 || scalars.count == 25 else { return false }
        let shape = Array("dddd-dd-ddTdd:dd:dd".unicodeScalars)
        for (index, expected) in shape.enumerated() {
            let scalar = scalars[index]
            switch expected {
            case "d": guard scalar.isASCIIDigit else { return false }
            case "T": guard scalar == "T" || scalar == "t" else { return false }
            default: guard scalar == expected else { return false }
            }
        }
        if scalars.count == 20 { return scalars[19] == "Z" || scalars[19] == "z" }
        return (scalars[19] == "+" || scalars[19] == "-") && scalars[20].isASCIIDigit && scalars[21].isASCIIDigit
            && scalars[22] == ":" && scalars[23].isASCIIDigit && scalars[24].isASCIIDigit
    }

    /// `text` without the fraction of its seconds: `09:00:00.250+02:00` -> `09:00:00+02:00`.
    static func withoutFraction(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard let dot = scalars.firstIndex(of: "."), dot >= 3, scalars[dot - 3] == ":",
              scalars[dot - 2].isASCIIDigit, scalars[dot - 1].isASCIIDigit else { return text }
        var end = dot + 1
        while end < scalars.count && scalars[end].isASCIIDigit { end += 1 }
        guard end > dot + 1 else { return text }
        return String(String.UnicodeScalarView(scalars[..<dot] + scalars[end...]))
    }

    mutating func rateLimits(_ value: Any?) -> CampaignRateLimits? {
        guard let value else { return nil }
        guard let object = value as? [String: Any] else {
            add("rate_limits", "must be an object such as {\"per_minute\": 100}")
            return nil
        }
        checkUnknown(object, known: CampaignLoader.rateLimitFields, prefix: "rate_limits.")
        var limits = CampaignRateLimits()
        for key in CampaignLoader.rateLimitFields {
            guard let raw = object[key] else { continue }
            guard let number = raw as? NSNumber, !(raw is Bool), let int = Int(exactly: number.doubleValue), int > 0 else {
                add("rate_limits.\(key)", "must be a whole number above 0")
                continue
            }
            switch key {
            case "per_second": limits.perSecond = int
            case "per_minute": limits.perMinute = int
            case "per_hour": limits.perHour = int
            default: limits.perDay = int
            }
        }
        if limits == CampaignRateLimits() && object.isEmpty { add("rate_limits", "set at least one of \(CampaignLoader.rateLimitFields.joined(separator: ", "))") }
        return limits
    }

    mutating func unsubscribe(_ value: Any?) -> CampaignUnsubscribe? {
        guard let value else { return nil }
        guard let object = value as? [String: Any] else {
            add("unsubscribe", "must be an object with mailto and/or url")
            return nil
        }
        checkUnknown(object, known: ["mailto", "url"], prefix: "unsubscribe.")
        let mailto = optionalString(object["mailto"], place: "unsubscribe.mailto")
        let url = optionalString(object["url"], place: "unsubscribe.url")
        if let mailto {
            do {
                _ = try EmailAddress(addrSpec: mailto)
            } catch {
                add("unsubscribe.mailto", RecipientFilter.describe(error, email: mailto))
            }
        }
        if let url {
            if !MessageComposer.isHTTPS(url) {
                add("unsubscribe.url", "must start with https:// (RFC 8058 one-click needs HTTPS)")
            } else if CampaignLoader.insertsRawValues(url) {
                add("unsubscribe.url", CampaignLoader.rawValuesInURLAdvice)
            } else if url.unicodeScalars.contains(where: { !$0.isASCII || $0.value <= 0x20 || $0 == "<" || $0 == ">" }) {
                add("unsubscribe.url", "must be ASCII without spaces or angle brackets (percent-encode them)")
            } else if !TemplateScanner.scan(url).variables.contains(where: { $0.name == "token" }) {
                // Without the token the handler cannot tell a recipient's own request from a
                // forged one (anyone could unsubscribe anyone by address), and RFC 8058 one-click
                // requests come from mailbox providers with nothing else to go on.
                add("unsubscribe.url", "add {{token}} to the URL, e.g. https://example.com/unsubscribe/{{token}}: every recipient's link must carry "
                    + "their unsubscribe token, which your unsubscribe handler checks (docs/campaign.md, Unsubscribe)")
            }
        }
        if mailto == nil && url == nil { add("unsubscribe", "set mailto, url or both") }
        return CampaignUnsubscribe(mailto: mailto, url: url)
    }

    // MARK: recipients

    struct RecipientTally {
        var accepted = 0
        var duplicates = 0
        var skippedCount = 0
        var skipped: [CampaignProblem] = []
        /// Variables every recipient has (nil until the recipients were read).
        var defined: Set<String> = []
        /// For inline lists: per variable, the first recipient that lacks it and how many do.
        var missingIn: [String: (first: Int, count: Int)] = [:]
    }

    mutating func recipientSource(_ object: [String: Any], headerVariables: [String], tally: inout RecipientTally) -> RecipientSource? {
        switch (object["recipients"], object["recipients_file"]) {
        case (nil, nil):
            add("recipients", "missing: list recipients inline or name a CSV file in recipients_file")
            return nil
        case (.some, .some):
            add("recipients_file", "set either recipients or recipients_file, not both")
            return nil
        case (let inline?, nil):
            return inlineRecipients(inline, headerVariables: headerVariables, tally: &tally)
        case (nil, let path?):
            guard let path = path as? String else {
                add("recipients_file", "must be a path to a CSV file")
                return nil
            }
            return csvRecipients(path, headerVariables: headerVariables, tally: &tally)
        }
    }

    /// `place` turns each failure into its place and message (a CSV line, or a JSON path).
    mutating func tallyOutcome(_ outcome: RecipientFilter.Outcome, otherFile: Bool, tally: inout RecipientTally,
                               place: (RecipientFilter.Failure) -> (place: String, message: String)) {
        switch outcome {
        case .accepted: tally.accepted += 1
        case .duplicate: tally.duplicates += 1
        case .invalid(let failures):
            if skipInvalid { tally.skippedCount += 1 }
            for failure in failures {
                let (location, message) = place(failure)
                if !skipInvalid {
                    add(location, message, otherFile: otherFile)
                } else if tally.skipped.count < CampaignLoader.maximumProblems {
                    // Escaped like every other problem: the place quotes the CSV file's name.
                    tally.skipped.append(Self.safeProblem(location, message, otherFile: otherFile))
                }
            }
        }
    }

    /// " at line L, column C" for a JSON syntax error, from the byte offset Foundation gives
    /// ("around character 36"): editors show lines, not offsets.
    static func jsonErrorPlace(_ detail: String, error: NSError, in data: Data) -> String {
        var offset = error.userInfo["NSJSONSerializationErrorIndex"] as? Int
        if offset == nil, let range = detail.range(of: #"character \d+"#, options: .regularExpression) {
            offset = Int(detail[range].dropFirst("character ".count))
        }
        guard let offset, offset >= 0, offset <= data.count else { return "" }
        var line = 1
        var column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return " at line \(line), column \(column)"
    }

    /// JSONSerialization gives `true` and `false` as NSNumbers too; theirs is the type
    /// encoding of a C char (`c`), which it never uses for a number.
    static func isJSONBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    mutating func inlineRecipients(_ value: Any, headerVariables: [String], tally: inout RecipientTally) -> RecipientSource? {
        guard let list = value as? [Any] else {
            add("recipients", "must be a list of {\"email\": ...} objects")
            return nil
        }
        var filter = RecipientFilter(headerVariables: headerVariables)
        var entries: [RecipientSource.Inline] = []
        var keys: [Set<String>] = []
        for (index, item) in list.enumerated() {
            let place = "recipients[\(index)]"
            guard let object = item as? [String: Any] else {
                add(place, "must be an object with email, and optionally name and vars")
                continue
            }
            checkUnknown(object, known: ["email", "name", "vars"], prefix: place + ".")
            guard let email = object["email"] as? String else {
                add(place + ".email", "missing: the recipient's address")
                continue
            }
            let name = optionalString(object["name"], place: place + ".name")
            var variables: [String: String] = [:]
            if let vars = object["vars"] {
                if let vars = vars as? [String: Any] {
                    // In key order, so problems are listed the same way every time.
                    for (key, value) in vars.sorted(by: { $0.key < $1.key }) {
                        if CampaignLoader.computedVariables.contains(key) {
                            add("\(place).vars.\(key)", "\(key) is a built-in variable; rename this one")
                        } else if let text = value as? String {
                            variables[key] = text
                        } else if let number = value as? NSNumber, !Self.isJSONBoolean(number) {
                            variables[key] = number.stringValue
                        } else if let flag = value as? NSNumber {
                            // As "0" or "1" a false would still open {{#\(key)}} sections.
                            add("\(place).vars.\(key)", "is \(flag.boolValue) (a boolean); vars are strings or numbers: write \"yes\" for true, and \"\" (or leave \(key) out) for false, so {{#\(key)}} sections show only for true")
                        } else {
                            add("\(place).vars.\(key)", "must be a string or a number, not \(value is NSNull ? "null" : value is [Any] ? "a list" : "an object")")
                        }
                    }
                } else {
                    add(place + ".vars", "must be an object of \"name\": \"value\"")
                }
            }
            let outcome = filter.check(email: email, name: name, variables: variables)
            tallyOutcome(outcome, otherFile: false, tally: &tally) { $0.problem(inlineIndex: index) }
            keys.append(Set(variables.keys))
            entries.append(RecipientSource.Inline(email: email, name: name, variables: variables))
        }
        if list.isEmpty { add("recipients", "the list is empty") }
        if let violation = limits.recipientViolation(count: tally.accepted) { add(violation) }
        let all = keys.reduce(into: Set<String>()) { $0.formUnion($1) }
        tally.defined = keys.reduce(all) { $0.intersection($1) }
        for key in all.subtracting(tally.defined) {
            let lacking = keys.indices.filter { !keys[$0].contains(key) }
            tally.missingIn[key] = (lacking.first ?? 0, lacking.count)
        }
        return .inline(entries)
    }

    mutating func csvRecipients(_ path: String, headerVariables: [String], tally: inout RecipientTally) -> RecipientSource? {
        let resolved = resolve(path).path
        let reader: RecipientCSVReader
        let header: RecipientCSVReader.Record
        do {
            reader = try RecipientCSVReader(path: resolved)
            guard let first = try reader.next() else {
                add(path, "the recipient list is empty (a header row naming the columns, with email, is needed)", otherFile: true)
                return nil
            }
            header = first
        } catch {
            let problem = CampaignLoader.problem(for: error, csv: path)
            if case .unreadable = error {
                add("recipients_file", "cannot read \(path): \(problem.message.replacingOccurrences(of: "cannot read the recipient list: ", with: ""))")
            } else {
                add(problem.place, problem.message, otherFile: true)
            }
            return nil
        }
        let columns = header.fields.map { $0.trimmingWhitespace }
        let headerPlace = "\(path):\(header.line)"
        var ok = true
        guard let emailColumn = columns.firstIndex(where: { $0.lowercased() == "email" }) else {
            add(headerPlace, "no email column; the header row must name one column \"email\" (found: \(columns.joined(separator: ", ")))", otherFile: true)
            return nil
        }
        let nameColumn = columns.firstIndex(where: { $0.lowercased() == "name" })
        var seen = Set<String>()
        for (index, column) in columns.enumerated() {
            if column.isEmpty {
                add(headerPlace, "column \(index + 1) has no name", otherFile: true)
                ok = false
            } else if !seen.insert(column).inserted {
                add(headerPlace, "column \"\(column)\" appears twice", otherFile: true)
                ok = false
            } else if CampaignLoader.computedVariables.contains(column) {
                add(headerPlace, "column \"\(column)\" has the name of a built-in variable; rename it", otherFile: true)
                ok = false
            }
        }
        let layout = RecipientSource.CSVLayout(path: resolved, displayName: path, columns: columns, emailColumn: emailColumn,
                                               nameColumn: nameColumn)
        var filter = RecipientFilter(headerVariables: headerVariables)
        // Only the columns a header uses are handed to the filter, and only when one holds a
        // control character: a million good rows need no dictionary each.
        let headerColumns = headerVariables.compactMap { variable in columns.firstIndex(of: variable).map { (variable, $0) } }
        var rows = 0
        do {
            while readsRecipientRows, let record = try reader.next() {
                rows += 1
                guard record.fields.count == columns.count else {
                    add("\(path):\(record.line)", CampaignLoader.fieldCountMessage(record.fields.count, columns.count), otherFile: true)
                    continue
                }
                var headerValues: [String: String] = [:]
                if headerColumns.contains(where: { firstControlCharacter(in: record.fields[$0.1], allowingTab: true) != nil }) {
                    for (variable, column) in headerColumns { headerValues[variable] = record.fields[column] }
                }
                let outcome = filter.check(email: record.fields[emailColumn], name: nameColumn.map { record.fields[$0] }, variables: headerValues)
                tallyOutcome(outcome, otherFile: true, tally: &tally) { $0.problem(csv: path, line: record.line) }
                // Stopped at the first recipient too many: the rest of a list that cannot be
                // sent as one job is not worth reading (and remembering) to the end.
                if tally.accepted > limits.maximumRecipients {
                    add("recipients_file", "\(path) has more than the \(CampaignLimitViolation.grouped(limits.maximumRecipients)) recipients a job may have: "
                        + "line \(record.line) holds recipient \(CampaignLimitViolation.grouped(tally.accepted)) "
                        + "(\(CampaignLimitViolation.Limit.recipients.rawValue) in maild's [limits]); split the list into several campaigns")
                    break
                }
            }
        } catch {
            let problem = CampaignLoader.problem(for: error, csv: path)
            add(problem.place, problem.message, otherFile: true)
        }
        if rows == 0 && readsRecipientRows { add(path, "the recipient list has a header row but no recipients", otherFile: true) }
        tally.defined = Set(columns.enumerated().filter { $0.offset != emailColumn && $0.offset != nameColumn }.map(\.element))
        return ok ? .csv(layout) : nil
    }

    // MARK: templates

    /// `body.txt line 3: ` for a template file, `line 3: ` for an inline one (nothing on line 1).
    static func location(label: String?, line: Int) -> String {
        label.map { "\($0) line \(line): " } ?? (line > 1 ? "line \(line): " : "")
    }

    mutating func checkVariables(_ template: (place: String, label: String?, source: String), defined: Set<String>,
                                 missingIn: [String: (first: Int, count: Int)], source: RecipientSource?, unsubscribe: CampaignUnsubscribe?) {
        var reported = Set<String>()
        for variable in TemplateScanner.scan(template.source).variables where reported.insert(variable.name).inserted {
            let at = Self.location(label: template.label, line: variable.line)
            if variable.name == "unsubscribe_url" {
                if template.place == "unsubscribe.url" {
                    add(template.place, "\(at){{unsubscribe_url}} cannot be used in the unsubscribe URL itself")
                } else if unsubscribe?.url == nil {
                    add(template.place, "\(at){{unsubscribe_url}} is used but unsubscribe.url is not set")
                }
                continue
            }
            if TemplateValues.builtInNames.contains(variable.name) || defined.contains(variable.name) { continue }
            guard source != nil else { continue }  // the recipient list has its own problem
            if let missing = missingIn[variable.name] {
                let others = missing.count > 1 ? " (and \(missing.count - 1) other recipient\(missing.count > 2 ? "s" : ""))" : ""
                add(template.place, "\(at){{\(variable.name)}} is not defined for every recipient: recipients[\(missing.first)] has no \"\(variable.name)\" in vars\(others); give it to all, or wrap it in {{#\(variable.name)}}...{{/\(variable.name)}}")
                continue
            }
            let candidates = TemplateValues.builtInNames + defined.sorted()
            let suggestion = FieldSuggestion.closest(to: variable.name, among: candidates).map { "; did you mean {{\($0)}}?" } ?? ""
            let origin: String
            if case .csv(let layout)? = source { origin = "a column of \(layout.displayName)" } else { origin = "in every recipient's vars" }
            add(template.place, "\(at){{\(variable.name)}} is not defined: not a built-in variable (\(TemplateValues.builtInNames.joined(separator: ", "))) nor \(origin)\(suggestion)")
        }
    }
}

extension MessageError {
    var isDisplayNameProblem: Bool {
        if case .forbiddenCharacter(_, _, let field) = self { return field == "display name" }
        return false
    }
}
