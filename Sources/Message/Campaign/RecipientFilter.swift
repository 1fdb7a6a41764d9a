/// The checks every recipient passes, at load time and again while streaming: a valid address
/// (and display name), not seen before (same address, domain compared case-insensitively), and
/// no control characters in the values that reach a header.
struct RecipientFilter {
    enum Outcome {
        case accepted(CampaignRecipient)
        case duplicate
        /// Everything wrong with the recipient, address first, then variables in name order.
        case invalid([Failure])
    }

    struct Failure: Equatable {
        enum Field: Equatable {
            case email
            case name
            case variable(String)
        }

        var field: Field
        var message: String

        /// The problem at a line of the recipient CSV file: the message names the column.
        func problem(csv: String, line: Int) -> (place: String, message: String) {
            switch field {
            case .email, .name: return ("\(csv):\(line)", message)
            case .variable(let name): return ("\(csv):\(line)", "column \(MessageError.quoted(name)): \(message)")
            }
        }

        /// The problem at `recipients[index]` of the campaign file: the place names the field.
        func problem(inlineIndex index: Int) -> (place: String, message: String) {
            switch field {
            case .email: return ("recipients[\(index)].email", message)
            case .name: return ("recipients[\(index)].name", message.hasPrefix("name: ") ? String(message.dropFirst(6)) : message)
            case .variable(let name): return ("recipients[\(index)].vars.\(name)", message)
            }
        }
    }

    /// Variables whose values reach a header (see `headerVariables(subject:)`), sorted so that
    /// problems come in the same order on every run.
    private let headerVariables: [String]
    private var seen = Set<AddressFingerprint>()

    init(headerVariables: [String] = []) {
        self.headerVariables = headerVariables
    }

    /// The recipient variables that reach a header, where a control character would be refused
    /// at render (`HeaderEncoder`): those the subject uses. From, Reply-To and extra headers are
    /// constants of the campaign, and the To display name is checked with the address. Built-in
    /// variables are left out: name and email are checked as the address, the others are made
    /// by maild (campaign, the campaign's name, is checked by the loader).
    static func headerVariables(subject: String) -> [String] {
        Set(TemplateScanner.scan(subject).variables.map(\.name)).subtracting(TemplateValues.builtInNames).sorted()
    }

    mutating func check(email: String, name: String?, variables: [String: String]) -> Outcome {
        var failures: [Failure] = []
        let trimmedName = name.map { $0.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        var address: EmailAddress?
        do {
            address = try EmailAddress(addrSpec: email.trimmingSpaces, displayName: trimmedName)
        } catch {
            failures.append(Failure(field: error.isDisplayNameProblem ? .name : .email, message: Self.describe(error, email: email)))
        }
        for variable in headerVariables {
            guard let value = variables[variable], let (scalar, offset) = firstControlCharacter(in: value, allowingTab: true) else { continue }
            failures.append(Failure(field: .variable(variable), message: Self.headerValueMessage(scalar, offset: offset, variable: variable)))
        }
        guard failures.isEmpty, let address else { return .invalid(failures) }
        guard seen.insert(AddressFingerprint(address)).inserted else { return .duplicate }
        return .accepted(CampaignRecipient(address: email.trimmingSpaces, name: trimmedName, variables: variables))
    }

    /// Why a value the subject uses is refused, and the two ways out.
    static func headerValueMessage(_ scalar: Unicode.Scalar, offset: Int, variable: String) -> String {
        "control character \(MessageError.scalar(scalar)) at character \(offset + 1); the subject uses {{\(variable)}}, "
            + "and a header field cannot hold control characters (only TAB); remove it, or use {{\(variable)}} only in the bodies"
    }

    static func describe(_ error: MessageError, email: String) -> String {
        switch error {
        case .invalidAddress(let input, let problem, _):
            return "\(MessageError.quoted(input)) is not a valid address: \(problem)"
        case .forbiddenCharacter(let scalar, let offset, _):
            return "name: control character \(MessageError.scalar(scalar)) at character \(offset + 1) is not allowed"
        default:
            return "\(MessageError.quoted(email)): \(error)"
        }
    }
}
