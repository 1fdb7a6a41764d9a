/// The ESMTP extensions the EHLO reply lists (STARTTLS and AUTH are decided by the TLS and
/// authentication settings).
///
/// The server enforces what it advertises: a MAIL parameter for an extension that is off is
/// refused with 555 5.5.4, and replies carry enhanced status codes only when
/// ENHANCEDSTATUSCODES is on, so a client's handling of plainer servers can be tested.
public struct AdvertisedExtensions: Sendable, Hashable {
    public var pipelining: Bool
    /// `SIZE n` with the configured maximum message size (RFC 1870).
    public var size: Bool
    public var eightBitMIME: Bool
    public var smtpUTF8: Bool
    public var enhancedStatusCodes: Bool
    /// BDAT (RFC 3030).
    public var chunking: Bool

    public init(pipelining: Bool = true, size: Bool = true, eightBitMIME: Bool = true, smtpUTF8: Bool = true,
                enhancedStatusCodes: Bool = true, chunking: Bool = false) {
        self.pipelining = pipelining
        self.size = size
        self.eightBitMIME = eightBitMIME
        self.smtpUTF8 = smtpUTF8
        self.enhancedStatusCodes = enhancedStatusCodes
        self.chunking = chunking
    }

    /// A server from before ESMTP extensions were common: EHLO works, nothing is listed.
    public static let none = AdvertisedExtensions(pipelining: false, size: false, eightBitMIME: false, smtpUTF8: false,
                                                  enhancedStatusCodes: false, chunking: false)
}
