/// Hints for the failures that are nearly always a configuration mistake, learned from the
/// questions operators ask on the first day with a new relay.
enum MisconfigurationHints {
    static func hint(for kind: SMTPError.Kind, stage: SMTPStage, host: String, port: Int, tlsMode: TLSMode, reply: SMTPReply?) -> String? {
        let host = host.lowercased()
        switch kind {
        case .timeout where stage == .greeting && tlsMode != .implicit && port == 465:
            return "port 465 expects implicit TLS and stays silent until the handshake; use TLS mode implicit"
        case .timeout where stage == .greeting:
            return "the server never sent its greeting; if it expects implicit TLS use TLS mode implicit, and check that the port is an SMTP port"
        case .tlsHandshakeFailed(let detail) where tlsMode == .implicit && looksLikePlaintextPeer(detail):
            let port = port == 587 || port == 25 ? "port \(port)" : "this port"
            return "the server answered in plaintext: \(port) uses STARTTLS; use TLS mode starttls"
        case .certificateInvalid(let detail) where detail.lowercased().contains("hostname mismatch"):
            return "the certificate is for another host name; connect with the name in the certificate (not an IP or an alias)"
        case .certificateInvalid(let detail) where detail.lowercased().contains("issuer") || detail.lowercased().contains("self-signed") || detail.lowercased().contains("self signed"):
            return "the certificate is not signed by a CA this machine trusts; for a private CA pass its certificate as the CA file"
        case .certificateInvalid(let detail) where detail.lowercased().contains("expired"):
            return "the server's certificate has expired; the relay's operator must renew it"
        case .startTLSNotOffered:
            return "the server (or something between) did not advertise STARTTLS; check host and port (465 is implicit TLS), or configure TLS mode none only for a trusted local relay"
        case .authenticationRequiresTLS:
            return "use TLS mode starttls or implicit, or allow plaintext AUTH explicitly for a trusted local relay"
        case .authenticationNotOffered where tlsMode == .none:
            return "many servers offer AUTH only after STARTTLS; use TLS mode starttls"
        case .authenticationNotOffered:
            return "the relay may accept mail without AUTH from allowed IPs; remove the credentials, or check host and port"
        case .authenticationFailed:
            return authenticationHint(host: host, reply: reply)
        case .unexpectedReply where stage == .greeting && (reply?.code == 554 || reply?.isPermanentNegative == true):
            return "the server refuses this client's IP address; check blocklists and that this host may use the relay"
        default:
            return nil
        }
    }

    private static func looksLikePlaintextPeer(_ detail: String) -> Bool {
        let detail = detail.lowercased()
        return detail.contains("wrong version number") || detail.contains("packet length too long") || detail.contains("record layer failure") || detail.contains("http request")
    }

    private static func authenticationHint(host: String, reply: SMTPReply?) -> String? {
        let enhanced = reply?.enhancedCode?.description
        let text = reply?.text.lowercased() ?? ""
        if host.hasSuffix("gmail.com") || host.hasSuffix("googlemail.com") || text.contains("support.google.com") {
            return "Gmail needs an app password (or OAuth2) for SMTP: create one at myaccount.google.com/apppasswords, see docs/troubleshooting.md#gmail"
        }
        if enhanced == "5.7.139" || text.contains("smtpclientauthentication is disabled") {
            return "SMTP AUTH is disabled for this Microsoft 365 tenant or mailbox; an admin must enable Authenticated SMTP"
        }
        if host.contains("office365") || host.contains("outlook") {
            return "Microsoft 365 refuses basic AUTH for many tenants; check the password, that SMTP AUTH is enabled, or use OAuth2"
        }
        if host.contains("yahoo") {
            return "Yahoo needs an app password generated in the account security settings"
        }
        if host.contains("amazonaws.com") {
            return "Amazon SES needs SMTP credentials made in the SES console, not the IAM access key"
        }
        if reply?.code == 530 || reply?.code == 538 {
            return "the server requires encryption before AUTH; use TLS mode starttls or implicit"
        }
        return "check the username and the secret; many providers require an app password for SMTP"
    }
}
