import Foundation

/// Everything needed to render a campaign's messages, self-contained: bodies and attachment
/// bytes are inline, so mailctl can hand the spec to maild over IPC and the daemon never needs
/// the operator's files. Recipients travel separately (see `LoadedCampaign`), because a list can
/// have a million lines.
public struct CampaignSpec: Codable, Sendable, Equatable {
    /// Every account the campaign sends through, `account` first.
    public var accounts: [String] { [account] + (additionalAccounts ?? []) }

    public var name: String
    /// The sending account's name in maild's configuration; never a password.
    public var account: String
    /// Further accounts that share the sending with `account` (failover: when one is paused or
    /// at its quota, the others take its share), in the campaign's order; nil for one account.
    public var additionalAccounts: [String]?
    public var from: CampaignMailbox
    public var replyTo: CampaignMailbox?
    /// Mustache template, rendered unescaped, then RFC 2047-encoded.
    public var subject: String
    /// Mustache templates; at least one of the two is set.
    public var text: String?
    public var html: String?
    public var attachments: [CampaignAttachment]
    /// Extra header fields in the order the file lists them (constant, not templates).
    public var headers: [CampaignHeader]
    public var sendAt: Date?
    public var rateLimits: CampaignRateLimits?
    public var unsubscribe: CampaignUnsubscribe?

    public init(name: String, account: String, from: CampaignMailbox, replyTo: CampaignMailbox? = nil, subject: String,
                text: String? = nil, html: String? = nil, attachments: [CampaignAttachment] = [], headers: [CampaignHeader] = [],
                sendAt: Date? = nil, rateLimits: CampaignRateLimits? = nil, unsubscribe: CampaignUnsubscribe? = nil,
                additionalAccounts: [String]? = nil) {
        self.name = name
        self.account = account
        self.additionalAccounts = additionalAccounts
        self.from = from
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.headers = headers
        self.sendAt = sendAt
        self.rateLimits = rateLimits
        self.unsubscribe = unsubscribe
    }
}

/// A display name and an address, as the campaign file gives them for from and reply_to.
public struct CampaignMailbox: Codable, Sendable, Equatable {
    public var name: String?
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }
}

/// An attachment with its bytes, read when the campaign was loaded.
public struct CampaignAttachment: Codable, Sendable, Equatable {
    public var filename: String
    /// `type/subtype`, e.g. `application/pdf`.
    public var contentType: String
    /// Base64 in JSON (Foundation's `Data` coding), so IPC frames stay text-safe.
    public var data: Data

    public init(filename: String, contentType: String, data: Data) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// One extra header field (`List-Id`, `X-Campaign`...). Fields maild writes itself are refused
/// at load time, so a campaign cannot produce two `From` fields.
public struct CampaignHeader: Codable, Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The campaign's own sending limits, on top of the account's and provider's (the smallest
/// wins). Kept opaque here: the Delivery module decides how to apply them.
public struct CampaignRateLimits: Codable, Sendable, Equatable {
    public var perSecond: Int?
    public var perMinute: Int?
    public var perHour: Int?
    public var perDay: Int?

    public init(perSecond: Int? = nil, perMinute: Int? = nil, perHour: Int? = nil, perDay: Int? = nil) {
        self.perSecond = perSecond
        self.perMinute = perMinute
        self.perHour = perHour
        self.perDay = perDay
    }
}

/// RFC 2369 List-Unsubscribe targets. With `url` set, RFC 8058 one-click is announced too.
public struct CampaignUnsubscribe: Codable, Sendable, Equatable {
    /// An address that receives unsubscribe mails (`mailto:` is added).
    public var mailto: String?
    /// An https URL template; `{{token}}` is the recipient's HMAC token, every variable is
    /// percent-encoded when inserted.
    public var url: String?

    public init(mailto: String? = nil, url: String? = nil) {
        self.mailto = mailto
        self.url = url
    }
}
