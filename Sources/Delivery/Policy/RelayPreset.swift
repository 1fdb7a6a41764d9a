import SMTP

/// How to reach a well-known relay and what it allows, so an operator can write
/// `preset = gmail` instead of looking up host, port and limits.
///
/// The limits are the providers' published numbers as checked on 2026-11-23 (sources in
/// docs/providers.md). Where a provider publishes no number, or only third parties state
/// one, `limits` leaves it unset and `published` says so: an invented limit would either
/// waste capacity or get the account blocked.
public struct RelayPreset: Hashable, Sendable {
    /// What a limit is and where it comes from.
    public struct PublishedLimit: Hashable, Sendable {
        public var what: String
        public var value: String
        /// The provider's own page, or a note that only third parties state it.
        public var source: String
        /// False when no page of the provider itself confirmed it.
        public var confirmed: Bool
    }

    /// The name operators write: `gmail`, `google-workspace-relay`, `ses`.
    public var name: String
    public var displayName: String
    public var host: String
    public var port: Int
    public var tlsMode: TLSMode
    /// The mechanism the provider expects, nil when the client's choice is right.
    public var authMechanism: AuthMechanism?
    /// What to put in username and password (app passwords, API keys, OAuth).
    public var authNote: String
    /// The account-scope throttles maild applies by default (only confirmed numbers).
    public var limits: ThrottleLimits
    /// Recipients one message may have (RCPT TO commands per transaction).
    public var maxRecipientsPerMessage: Int?
    public var published: [PublishedLimit]

    public static func named(_ name: String) -> RelayPreset? {
        all.first { $0.name == name.lowercased() }
    }

    public static let all: [RelayPreset] = [gmail, googleWorkspace, googleWorkspaceRelay, microsoft365, outlookCom, yahoo, amazonSES, sendGrid, mailgun, postmark]

    static let googleWorkspaceLimits = "https://support.google.com/a/answer/166852"

    /// A consumer Gmail account through smtp.gmail.com.
    public static let gmail = RelayPreset(
        name: "gmail", displayName: "Gmail (consumer account)", host: "smtp.gmail.com", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "an app password (needs 2-Step Verification), or OAuth 2.0 with XOAUTH2",
        limits: ThrottleLimits(), maxRecipientsPerMessage: 100,
        published: [
            PublishedLimit(what: "messages per day", value: "about 500", source: "third-party pages only; Google's consumer help page was not found", confirmed: false),
            PublishedLimit(what: "recipients per message via SMTP", value: "100", source: "third-party pages only", confirmed: false),
        ])

    /// A Google Workspace user sending through smtp.gmail.com.
    public static let googleWorkspace = RelayPreset(
        name: "google-workspace", displayName: "Google Workspace (smtp.gmail.com)", host: "smtp.gmail.com", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "the user's address and an app password, or OAuth 2.0 with XOAUTH2",
        limits: ThrottleLimits(perDay: 2000), maxRecipientsPerMessage: 100,
        published: [
            PublishedLimit(what: "messages per day (rolling 24 hours)", value: "2,000 (500 for trial accounts)", source: googleWorkspaceLimits, confirmed: true),
            PublishedLimit(what: "recipients per message via SMTP", value: "100", source: googleWorkspaceLimits, confirmed: true),
            PublishedLimit(what: "total recipients per day", value: "10,000", source: googleWorkspaceLimits, confirmed: true),
        ])

    /// The Google Workspace SMTP relay service (smtp-relay.gmail.com).
    public static let googleWorkspaceRelay = RelayPreset(
        name: "google-workspace-relay", displayName: "Google Workspace SMTP relay", host: "smtp-relay.gmail.com", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "SMTP AUTH as a Workspace user (TLS required), or IP address authentication set up in the Admin console",
        limits: ThrottleLimits(perDay: 10000), maxRecipientsPerMessage: nil,
        published: [
            PublishedLimit(what: "recipients per user per 24 hours", value: "10,000", source: "https://support.google.com/a/answer/2956491, figure only seen in third-party copies of the page", confirmed: false),
            PublishedLimit(what: "recipients per organization", value: "4.6 million per 24 hours, 319,444 per 10 minutes", source: "https://support.google.com/a/answer/2956491", confirmed: true),
        ])

    /// Microsoft 365 / Exchange Online client submission.
    public static let microsoft365 = RelayPreset(
        name: "microsoft365", displayName: "Microsoft 365 (Exchange Online)", host: "smtp.office365.com", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "SMTP AUTH must be enabled for the mailbox; OAuth 2.0 (XOAUTH2) where basic authentication is turned off",
        limits: ThrottleLimits(perMinute: 30, perDay: 10000), maxRecipientsPerMessage: 500,
        published: [
            PublishedLimit(what: "messages per minute (SMTP client submission)", value: "30", source: "https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1", confirmed: true),
            PublishedLimit(what: "recipients per day", value: "10,000", source: "same page", confirmed: true),
            PublishedLimit(what: "recipients per message", value: "500 (adjustable up to 1,000)", source: "same page", confirmed: true),
        ])

    /// A consumer Outlook.com / Hotmail account.
    public static let outlookCom = RelayPreset(
        name: "outlook", displayName: "Outlook.com (consumer account)", host: "smtp-mail.outlook.com", port: 587, tlsMode: .startTLS,
        authMechanism: .xoauth2, authNote: "OAuth 2.0 (XOAUTH2); Microsoft is retiring passwords for Outlook.com SMTP",
        limits: ThrottleLimits(), maxRecipientsPerMessage: nil,
        published: [
            PublishedLimit(what: "messages per day", value: "300 for established free accounts, less for new ones", source: "https://support.microsoft.com/office/sending-limits-in-outlook-com-279ee200-594c-40f0-9ec8-bb6af7735c2e (not read; figure from Microsoft Q&A and third parties)", confirmed: false),
        ])

    /// A Yahoo Mail account.
    public static let yahoo = RelayPreset(
        name: "yahoo", displayName: "Yahoo Mail", host: "smtp.mail.yahoo.com", port: 465, tlsMode: .implicit,
        authMechanism: nil, authNote: "an app password generated in the account security settings",
        limits: ThrottleLimits(), maxRecipientsPerMessage: nil,
        published: [
            PublishedLimit(what: "messages per day", value: "about 500", source: "third-party pages only", confirmed: false),
            PublishedLimit(what: "recipients per message", value: "about 100", source: "third-party pages only", confirmed: false),
        ])

    /// Amazon SES SMTP interface (replace the region in the host).
    public static let amazonSES = RelayPreset(
        name: "ses", displayName: "Amazon SES", host: "email-smtp.us-east-1.amazonaws.com", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "SES SMTP credentials (derived from an IAM key, not the AWS secret key itself); change us-east-1 to your region",
        limits: ThrottleLimits(perSecond: 1, perDay: 200), maxRecipientsPerMessage: 50,
        published: [
            PublishedLimit(what: "sandbox: emails per 24 hours", value: "200", source: "https://docs.aws.amazon.com/ses/latest/dg/quotas.html", confirmed: true),
            PublishedLimit(what: "sandbox: emails per second", value: "1", source: "https://docs.aws.amazon.com/ses/latest/dg/quotas.html", confirmed: true),
            PublishedLimit(what: "production quotas", value: "per account and region (see GetSendQuota); set them with rate =", source: "https://docs.aws.amazon.com/ses/latest/dg/quotas.html", confirmed: true),
            PublishedLimit(what: "recipients per message", value: "50", source: "Amazon SES API reference (SendRawEmail)", confirmed: true),
        ])

    public static let sendGrid = RelayPreset(
        name: "sendgrid", displayName: "Twilio SendGrid", host: "smtp.sendgrid.net", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "username is the literal string apikey, password an API key with Mail Send permission",
        limits: ThrottleLimits(maxMessagesPerConnection: 5000), maxRecipientsPerMessage: nil,
        published: [
            PublishedLimit(what: "messages per SMTP connection", value: "5,000", source: "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api", confirmed: true),
            PublishedLimit(what: "concurrent connections from one server", value: "10,000", source: "same page", confirmed: true),
            PublishedLimit(what: "messages per day", value: "depends on the plan", source: "not published per plan on the page read", confirmed: false),
        ])

    public static let mailgun = RelayPreset(
        name: "mailgun", displayName: "Mailgun", host: "smtp.mailgun.org", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "the domain's SMTP credentials (not the API key); EU domains use smtp.eu.mailgun.org",
        limits: ThrottleLimits(), maxRecipientsPerMessage: nil,
        published: [
            PublishedLimit(what: "maximum message size", value: "25 MB", source: "https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages", confirmed: true),
            PublishedLimit(what: "sending rate", value: "not published (\"rate limits in place\", contact support)", source: "same page", confirmed: true),
        ])

    public static let postmark = RelayPreset(
        name: "postmark", displayName: "Postmark", host: "smtp.postmarkapp.com", port: 587, tlsMode: .startTLS,
        authMechanism: nil, authNote: "a Server API token as both username and password, or an SMTP token (access key and secret)",
        limits: ThrottleLimits(), maxRecipientsPerMessage: 50,
        published: [
            PublishedLimit(what: "recipients per message (To, Cc and Bcc)", value: "50", source: "https://postmarkapp.com/support/article/1180-what-does-errorcode-300-mean", confirmed: true),
            PublishedLimit(what: "sending rate", value: "not published", source: "https://postmarkapp.com/developer/user-guide/send-email-with-smtp", confirmed: true),
        ])
}
