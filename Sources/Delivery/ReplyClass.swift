/// What a bulk sender should do after a reply: the decision the queue acts on.
///
/// The meanings follow the shared reply corpus (`../shared/fixtures/smtp-replies.tsv`): the
/// distinction that matters is who pays for the failure, the recipient (bounce, transient),
/// the message (reject), the provider relationship (throttle) or the sending account itself
/// (account).
public enum ReplyClass: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Delivered or accepted; the session may go on.
    case success
    /// Retry this recipient later with backoff; counts as an attempt.
    case transient
    /// The relay or provider asks us to slow down: back off the whole provider or account and
    /// retry later without using up the recipient's attempts.
    case throttle
    /// This address cannot receive mail: fail the recipient and suppress the address.
    case bounce
    /// Permanent for this message (content, policy, size, reputation): fail the recipient but
    /// keep the address, another message may pass.
    case reject
    /// The sending account is refused or misconfigured (credentials, sender identity, relay
    /// permission, TLS): pause every job using it and keep recipients pending, because every
    /// further attempt would fail the same way.
    case account

    public var description: String { rawValue }
}
