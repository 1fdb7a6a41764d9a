import Delivery
import Foundation
import Message
import SMTP

/// A sending account: the relay, how to reach it, and who we are there. The secret is read
/// from a file or a systemd credential at startup and reload, held only in memory.
public struct AccountConfiguration: Sendable {
    public var name: String
    public var host: String
    public var port: Int
    public var tlsMode: TLSMode
    public var caFile: String?
    /// Certificate verification off: for test relays only, logged as a warning.
    public var insecure: Bool
    public var authMechanism: AuthMechanism?
    public var allowsPlaintextAuthentication: Bool
    public var credentials: SMTPCredentials?
    public var heloName: String?
    /// SMTP connections open at once for this account.
    public var concurrency: Int
    /// After this many messages a connection is closed and a new one opened.
    public var messagesPerConnection: Int
    /// Rate limits in operator form ("30/min", "2000/day"), applied together.
    public var rateLimits: [String]
    /// The same limits, parsed (from `rate` and `per_second` ... `per_day`) and checked while
    /// reading, so a bad one is reported on its line.
    public var limits: [RateLimit] = []
    public var timeouts: SMTPTimeouts
    public var dkim: DKIMSettings?
    /// The relay preset the account starts from (`preset = microsoft365`), if any.
    public var preset: String?

    public struct DKIMSettings: Sendable, Equatable {
        public var domain: String
        public var selector: String
        public var keyFile: String
    }

    static let knownKeys = [
        "preset", "host", "port", "tls", "ca_file", "insecure", "auth", "allow_plaintext_auth", "username",
        "password_file", "password_credential", "oauth2_token_file", "oauth2_token_credential", "helo",
        "concurrency", "messages_per_connection", "rate", "per_second", "per_minute", "per_hour", "per_day", "connect_timeout", "command_timeout", "data_timeout",
        "dkim_domain", "dkim_selector", "dkim_key_file",
    ]

    static func read(_ reader: inout SectionReader, name: String, secrets: SecretReader) -> AccountConfiguration? {
        // A preset gives the relay's host, port, TLS mode, mechanism and published limits;
        // every key written in the section wins over it.
        var preset: RelayPreset?
        if let name = reader.string("preset") {
            preset = RelayPreset.named(name)
            if preset == nil {
                let names = RelayPreset.all.map(\.name)
                var message = "\"\(name)\" is not a relay preset (\(names.joined(separator: ", ")))"
                if let suggestion = SectionReader.closest(to: name.lowercased(), in: names) { message += "; did you mean \(suggestion)?" }
                reader.problem("preset", message)
            }
        }
        // With a preset written (even a misspelt one, already reported), a missing host is
        // not a second problem.
        let host = reader.string("preset") == nil ? reader.required("host") : (reader.string("host") ?? preset?.host)
        var tlsMode = preset?.tlsMode ?? .startTLS
        var tlsWritten = false
        if let text = reader.string("tls") {
            tlsWritten = true
            if let mode = TLSMode(rawValue: text) { tlsMode = mode } else { reader.problem("tls", "\"\(text)\" is not one of implicit, starttls, none") }
        }
        let standardPort = tlsMode == .implicit ? 465 : 587
        let defaultPort = tlsWritten ? standardPort : preset?.port ?? standardPort
        let port = reader.integer("port", range: 1...65535) ?? defaultPort
        var mechanism = preset?.authMechanism
        if let text = reader.string("auth") {
            mechanism = nil
            if text != "auto" {
                mechanism = AuthMechanism(operatorInput: text)
                if mechanism == nil { reader.problem("auth", "\"\(text)\" is not one of auto, plain, login, cram-md5, xoauth2") }
            }
        }
        var credentials: SMTPCredentials?
        let username = reader.string("username")
        let secretKeys = ["password_file", "password_credential", "oauth2_token_file", "oauth2_token_credential"].filter { reader.string($0) != nil }
        if secretKeys.count > 1 {
            reader.problem(secretKeys[1], "set only one of password_file, password_credential, oauth2_token_file, oauth2_token_credential")
        } else if let key = secretKeys.first, let value = reader.string(key) {
            if let username {
                do {
                    let secret = key.hasSuffix("_file") ? try secrets.file(value) : try secrets.credential(value)
                    credentials = key.hasPrefix("password") ? .password(username: username, password: secret) : .oauth2(username: username, accessToken: secret)
                } catch {
                    reader.problem(key, error.description)
                }
            } else {
                reader.problem(key, "a secret needs username as well")
            }
        } else if username != nil {
            reader.problem("username", "username needs password_file, password_credential, oauth2_token_file or oauth2_token_credential")
        }
        // Rates written in the section replace the preset's (an SES account out of the sandbox
        // has its own quota), they are not added to them.
        let limits = reader.rateLimits() ?? preset?.limits.rateLimits ?? []
        var timeouts = SMTPTimeouts()
        if let connect = reader.positiveDuration("connect_timeout") { timeouts.connect = connect }
        if let command = reader.positiveDuration("command_timeout") {
            timeouts.command = command
            timeouts.mail = command
            timeouts.rcpt = command
            timeouts.greeting = command
            timeouts.dataInitiation = command
        }
        // The wait for the reply to the final dot: RFC 5321 says 10 minutes, because a relay
        // may scan the message before answering; a relay that never answers costs that long.
        if let data = reader.positiveDuration("data_timeout") { timeouts.dataTermination = data }
        var dkim: DKIMSettings?
        let dkimValues = (reader.string("dkim_domain"), reader.string("dkim_selector"), reader.string("dkim_key_file"))
        switch dkimValues {
        case (nil, nil, nil): break
        case (let domain?, let selector?, let keyFile?): dkim = DKIMSettings(domain: domain, selector: selector, keyFile: keyFile)
        default: reader.problem("dkim_domain", "DKIM needs all of dkim_domain, dkim_selector and dkim_key_file")
        }
        let concurrency = reader.integer("concurrency", range: 1...256) ?? 2
        let perConnection = reader.integer("messages_per_connection", range: 1...1_000_000)
            ?? preset?.limits.maxMessagesPerConnection ?? DeliveryDefaults.messagesPerConnection
        let insecure = reader.boolean("insecure") ?? false
        let plaintext = reader.boolean("allow_plaintext_auth") ?? false
        guard let host else { return nil }
        if !Self.isUsableHost(host) {
            reader.problem("host", "\(String(reflecting: host)) is not an IP address or a host name of letters, digits, '-' and '.' (an internationalized name as its xn-- A-label)")
        }
        let helo = reader.string("helo")
        if let helo, !Self.isUsableHeloName(helo) {
            reader.problem("helo", "\(String(reflecting: helo)) is not a host name of letters, digits, '-' and '.' or an address literal such as [192.0.2.1] (RFC 5321 section 4.1.3); servers refuse EHLO with it")
        }
        return AccountConfiguration(
            name: name, host: host, port: port, tlsMode: tlsMode, caFile: reader.string("ca_file"), insecure: insecure,
            authMechanism: mechanism, allowsPlaintextAuthentication: plaintext, credentials: credentials,
            heloName: helo, concurrency: concurrency, messagesPerConnection: perConnection,
            rateLimits: limits.map(\.description), limits: limits, timeouts: timeouts, dkim: dkim, preset: preset?.name)
    }

    /// A relay host as the SMTP client resolves it: an IPv4 or IPv6 address, or a host name of
    /// letters, digits, '-' and '.' (an internationalized name as its A-label). Anything else
    /// (`exa mple.com`) passed the check and failed every connection.
    static func isUsableHeloName(_ name: String) -> Bool {
        if name.hasPrefix("["), name.hasSuffix("]") {
            var literal = String(name.dropFirst().dropLast())
            var buffer = in6_addr()
            if literal.hasPrefix("IPv6:") {
                literal.removeFirst(5)
                return inet_pton(AF_INET6, literal, &buffer) == 1
            }
            return inet_pton(AF_INET, literal, &buffer) == 1
        }
        guard name.utf8.count <= 253, case .name(let domain)? = try? EmailDomain(name), domain == name else { return false }
        return true
    }

    static func isUsableHost(_ host: String) -> Bool {
        var buffer = in6_addr()
        // An IPv6 address may carry a zone (`fe80::1%eth0`), which getaddrinfo understands.
        let address = host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? host
        if inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, address, &buffer) == 1 { return true }
        // What the resolver takes, not the stricter rules of an address's domain: underscores
        // (Docker Compose's `mailhog_1`) and a fully qualified name's trailing dot work.
        let name = host.hasSuffix(".") ? String(host.dropLast()) : host
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "_"):
                    return true
                default:
                    return false
                }
            }
        }
    }
}
