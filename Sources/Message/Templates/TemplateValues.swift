/// The variables a template sees for one recipient: the built-ins maild computes and the
/// recipient's own (CSV columns or inline `vars`). Built-ins win over a recipient variable of
/// the same name (the loader refuses such columns, so this only matters for hand-built specs).
struct TemplateValues {
    /// Names a campaign can use without defining them.
    static let builtInNames = ["email", "name", "first_name_or_email", "domain", "campaign", "unsubscribe_url", "token"]

    var email = ""
    var name = ""
    var domain = ""
    var campaign = ""
    var unsubscribeURL = ""
    var token = ""
    var custom: [String: String] = [:]

    func value(_ key: TemplateKey) -> String {
        switch key {
        case .email: return email
        case .name: return name
        case .nameOrEmail: return name.isEmpty ? email : name
        case .domain: return domain
        case .campaign: return campaign
        case .unsubscribeURL: return unsubscribeURL
        case .token: return token
        case .custom(let key): return custom[key] ?? ""
        }
    }

    /// For templates swift-mustache renders (sections, transforms).
    var dictionary: [String: String] {
        var values = custom
        values["email"] = email
        values["name"] = name
        values["first_name_or_email"] = name.isEmpty ? email : name
        values["domain"] = domain
        values["campaign"] = campaign
        values["unsubscribe_url"] = unsubscribeURL
        values["token"] = token
        return values
    }
}

/// A variable name resolved once when the template is compiled.
enum TemplateKey: Sendable, Equatable {
    case email, name, nameOrEmail, domain, campaign, unsubscribeURL, token
    case custom(String)

    init(_ name: String) {
        switch name {
        case "email": self = .email
        case "name": self = .name
        case "first_name_or_email": self = .nameOrEmail
        case "domain": self = .domain
        case "campaign": self = .campaign
        case "unsubscribe_url": self = .unsubscribeURL
        case "token": self = .token
        default: self = .custom(name)
        }
    }
}
