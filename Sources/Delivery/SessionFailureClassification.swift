import SMTP

extension ReplyClassifier {
    /// Where classifications of session failures without a reply come from: these rules are
    /// about the client's own checks and the network, not about what servers write, so they
    /// live in code next to `SMTPError.Kind`.
    public static let sessionRulesSource = "built-in session rules"

    /// Classifies a failed session: the network, TLS, authentication or a refused greeting.
    ///
    /// A failure with a server reply is decided by the rules, like any reply, so that the
    /// same 421 means the same thing at the greeting and at RCPT. Failures of our own making
    /// (no STARTTLS where the account requires it, a certificate we cannot trust) pause the
    /// account: retrying cannot help until someone changes the configuration, and pausing
    /// keeps the recipients instead of failing them.
    public func classify(_ error: SMTPError) -> Classification {
        switch error.kind {
        case .hostNotFound, .connectionRefused, .connectTimeout, .connectionFailed, .connectionClosed:
            // DNS and TCP failures are usually brief (a restarting relay, a flapping
            // resolver); backoff and the queue lifetime end the hopeless case.
            return session(.transient, "session-connection-failure")
        case .timeout:
            return session(.transient, "session-timeout")
        case .tlsHandshakeFailed, .plaintextAfterStartTLS:
            // A broken handshake or an injected STARTTLS reply can be a middlebox or an
            // attacker on the path: retry later, never continue in plaintext.
            return session(.transient, "session-tls-failure")
        case .certificateInvalid:
            return session(.account, "session-certificate-invalid")
        case .startTLSNotOffered:
            return session(.account, "session-starttls-not-offered")
        case .authenticationRequiresTLS:
            return session(.account, "session-authentication-requires-tls")
        case .authenticationNotOffered:
            return session(.account, "session-authentication-not-offered")
        case .noUsableAuthMechanism:
            return session(.account, "session-no-usable-auth-mechanism")
        case .authenticationFailed:
            // The reply decides: 535 is the account, but 454 4.7.0 "temporary authentication
            // failure" or a 421 must not pause anything for long.
            return classifyReply(of: error, fallback: .account, rule: "session-authentication-failed")
        case .unexpectedReply:
            return classifyReply(of: error, fallback: .transient, rule: "session-unexpected-reply")
        case .malformedReply, .sessionUnusable:
            return session(.transient, "session-protocol-error")
        case .messageTooLarge:
            return session(.reject, "session-message-too-large")
        case .eightBitNotSupported:
            return session(.reject, "session-8bitmime-not-offered")
        case .smtpUTF8NotSupported:
            return session(.reject, "session-smtputf8-not-offered")
        case .invalidCommand:
            // In a transaction the bad value came from the message (an address with a control
            // character); before it, from the configuration (the client name).
            switch error.stage {
            case .mail, .rcpt, .data, .dot:
                return session(.reject, "session-invalid-envelope")
            default:
                return session(.account, "session-invalid-configuration")
            }
        }
    }

    /// Classifies the failure's reply at its stage; a positive reply (a session can fail on a
    /// 250 it did not expect) or no reply at all falls back to `fallback`.
    private func classifyReply(of error: SMTPError, fallback: ReplyClass, rule: String) -> Classification {
        if let reply = error.reply {
            let classification = classify(reply: reply, stage: error.stage)
            if classification.replyClass != .success { return classification }
        }
        return session(fallback, rule)
    }

    private func session(_ replyClass: ReplyClass, _ rule: String) -> Classification {
        Classification(replyClass: replyClass, rule: rule, source: Self.sessionRulesSource)
    }
}
