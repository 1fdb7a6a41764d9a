/// The built-in classification rules, compiled in so that maild works without its `etc/`
/// directory. The text is `etc/classification.rules` byte for byte (a test checks it): edit the
/// file, then paste it here between the delimiters, keeping the empty line before the closing
/// delimiter so the text ends with a newline like the file does.
public enum DefaultClassificationRules {
    /// The name rule locations and errors report, as operators see it in `etc/`.
    public static let fileName = "classification.rules"

    public static let text = #"""
# SMTP reply classification: what maild does after each reply from a relay or receiving server.
#
# The classes:
#   success    delivered or accepted; go on
#   transient  retry this recipient later with backoff; counts as an attempt
#   throttle   the relay or provider asks us to slow down: back off the whole provider or account,
#              retry later without using up the recipient's attempts
#   bounce     this address cannot receive mail: fail the recipient and suppress the address
#   reject     permanent for this message (content, policy, size, reputation): fail the recipient,
#              keep the address
#   account    the sending account is refused or misconfigured (credentials, sender identity,
#              relay permission, TLS): pause every job using it, keep recipients pending
#
# Format. A rule is a header line and condition lines (indented by convention):
#
#   rule NAME -> CLASS
#       stage    STAGE...       connect (the greeting; also "greeting"), ehlo, starttls, auth,
#                               mail, rcpt, data (the reply to DATA), dot (after the final dot),
#                               rset, noop, quit
#       code     CODE...        basic code; x matches any digit: 550, 421, 5xx, 45x
#       enhanced CODE...        RFC 3463 code or prefix: 5.7.8, 5.7.*, 4.*; "none" for replies
#                               without one
#       text     REGEX          case-insensitive regular expression searched in the reply text
#                               (without the codes); takes the rest of the line, no quoting
#
# Every condition given must hold; the values listed in one condition are alternatives; a rule
# without conditions matches everything. Values may be separated by spaces or commas. Lines
# starting with # are comments. The first matching rule wins, so specific rules come first.
#
# maild has this file compiled in. Operators add rules in their own rules files: those are
# tried before these defaults, so a rule there overrides the one here with the same reply. To
# see which rule decides a reply: mailctl classify --stage rcpt '550 5.1.1 user unknown'


# ---------------------------------------------------------------------------------------------
# Success

rule positive-completion -> success
    code     2xx

rule data-go-ahead -> success
    stage    data
    code     3xx

# 334 carries the next AUTH challenge: the exchange goes on.
rule auth-continue -> success
    stage    auth
    code     3xx


# ---------------------------------------------------------------------------------------------
# Quotas written as permanent failures: waiting fixes them, so they throttle. First, so that the
# rules below do not call them a reject or an account problem.

# Gmail 550 5.4.5 "Daily user sending limit exceeded": the quota window must reset. X.4.5 is
# RFC 3463 "mail system congestion" in any case.
rule system-congestion -> throttle
    enhanced 4.4.5, 5.4.5

# Microsoft "SubmissionQuotaExceeded" (554 5.2.0), daily or hourly limits of relays.
rule sending-quota -> throttle
    code     5xx
    text     submissionquotaexceeded|sending (quota|limit|rate)|(daily|hourly|message|submission) (user )?(sending )?(quota|limit)|rate limit(ed)? exceeded|too many messages


# ---------------------------------------------------------------------------------------------
# The sending account: refused credentials, sender identity, relay permission, TLS setup.
# Checked before the rules about one message or address: these fail every message the same
# way, and pausing the account keeps its recipients instead of burning their attempts.

# Any permanent AUTH refusal is about the credentials or the mechanism: wrong password, app
# password needed (Gmail 534 5.7.9), SMTP AUTH disabled (Microsoft 535 5.7.139), encryption
# required (538), even Yahoo's "too many bad auth attempts". A 4xx at AUTH falls through to the
# throttle and transient rules below.
rule auth-refused -> account
    stage    auth
    code     5xx

# "Relay access denied" (Postfix), "Unable to relay" (Exchange), "relay not permitted" (Exim),
# qmail's rcpthosts: the relay does not accept this login, or AUTH did not happen.
rule relay-denied -> account
    code     5xx
    text     relay(ing)? (access )?(denied|not permitted|prohibited|not allowed)|unable to relay|not permitted to relay|we do not relay|allowed rcpthosts

# RFC 4954 530 5.7.0 "Authentication required" or "Must issue a STARTTLS command first": the
# account's TLS mode or credentials are missing.
rule authentication-required -> account
    stage    ehlo starttls mail rcpt data
    code     530

rule authentication-required-text -> account
    stage    ehlo starttls mail rcpt data
    code     5xx
    text     authentication (is )?required|must (first )?authenticate|please authenticate|must issue a starttls|starttls (command )?first|encryption required|(tls|encryption) (is )?required

# Amazon SES "Email address is not verified", SendGrid "does not match a verified Sender
# Identity": the From address must be verified in the provider's console.
rule sender-not-verified -> account
    stage    mail rcpt dot
    code     5xx
    text     not verified|verified sender identity|unverified (sender|address|domain|identit)

# The login may not send as this From address: Postfix "not owned by user", Microsoft 365
# 550 5.7.60 and 554 5.2.252 SendAsDenied.
rule sender-not-permitted -> account
    stage    mail rcpt dot
    code     5xx
    text     not owned by user|sendasdenied|\bsend ?as\b|permissions? to send|not (allowed|authorized|permitted) to send (as|from|on behalf)

# Microsoft 365 blocks a sending account that sent spam: "5.1.8 Access denied, bad outbound
# sender", 5.7.501-5.7.503 "banned sender".
rule sender-banned -> account
    code     5xx
    text     bad outbound sender|banned sender

# X.1.7 and X.1.8 are about the sender's address (syntax, domain), and any 5.1.x at MAIL is:
# the account's From address is wrong.
rule sender-address-invalid -> account
    enhanced 5.1.7, 5.1.8

rule sender-address-refused -> account
    stage    mail
    enhanced 5.1.*

rule sender-address-rejected -> account
    stage    mail rcpt dot
    code     5xx
    text     sender address rejected|sender (address )?(is )?(not allowed|not permitted|refused|rejected)


# ---------------------------------------------------------------------------------------------
# Temporary trouble of one recipient or server: retry this recipient later.

# Greylisting is meant to be retried after minutes, even when it says 4.7.1.
rule greylisting -> transient
    code     4xx
    text     gr[ae]y-? ?list

# Mailbox full (X.2.2): the owner may clean up. Treated as temporary even when written as 552,
# as RFC 5321 section 4.5.3.1.10 asks of 552 at RCPT; the queue lifetime ends a dead mailbox.
rule mailbox-full -> transient
    enhanced 4.2.2, 5.2.2

rule mailbox-full-text -> transient
    code     4xx 552
    text     mailbox (is )?full|over quota|(mailbox|user|disk|storage) quota|insufficient (disk )?space|out of storage

# Retry with fewer recipients per transaction (RFC 5321 section 4.5.3.1.10).
rule too-many-recipients -> transient
    stage    rcpt
    enhanced 4.5.3, 5.5.3

rule too-many-recipients-text -> transient
    code     4xx 552
    text     too many recipients

# RFC 5321 section 4.5.3.1.10: a 552 at RCPT is a temporary storage or recipient limit.
rule rcpt-552 -> transient
    stage    rcpt
    code     552
    enhanced none, 5.2.*, 5.3.1


# ---------------------------------------------------------------------------------------------
# Slow down: the provider defers us as a sender (rate, volume, concurrency, reputation for now).

# A 421 with a security or policy code is a provider closing on us: Yahoo TSS04, Gmail 4.7.28.
rule policy-deferral-421 -> throttle
    code     421
    enhanced 4.7.*

# Rates, concurrency, "try again later", "busy": Gmail, Outlook.com (451 4.7.500 server busy),
# Microsoft 365 (421 4.3.2 concurrent connections, 432 4.3.21 mailbox server busy), Amazon SES
# 454 "Throttling failure", Yahoo "temporarily deferred".
rule slow-down -> throttle
    code     4xx
    text     throttl|rate.?limit|unusual rate|sending rate|rate exceeded|too many (connections|concurrent|sessions|messages|mails|emails|errors)|concurrent (server )?connections|connection limit|try again later|retry later|temporarily deferred|deferred due|server busy|\bbusy\b|intentionally delayed|unexpected volume|too much mail|slow down|limit exceeded|exceeded .*limit|(daily|hourly|message|sending|submission) quota

# Other 4.7.x that talk of deferring or volume are reputation-based deferrals too.
rule policy-deferral -> throttle
    code     4xx
    enhanced 4.7.*
    text     defer|volume|complaint|reputation|limit|too many


# ---------------------------------------------------------------------------------------------
# Permanent for this message: size, reputation, content, policy.

# X.3.4 message too big for the system, X.2.3 message length exceeds administrative limit.
rule message-too-large -> reject
    enhanced 5.3.4, 5.2.3

# X.4.6 routing loop, or the words ("exceeded 50 hops" comes as 5.6.0): the message is at
# fault, not the address.
rule mail-loop -> reject
    enhanced 5.4.6

rule mail-loop-text -> reject
    code     5xx
    text     mail loop|too many hops|exceeded \d+ hops|loops back

rule message-too-large-text -> reject
    code     5xx
    text     message (size )?(exceeds|exceeded|too (large|big))|size limit|maximum (message )?size

# The sending IP is listed; without an enhanced code at RCPT this must not become a bounce.
rule blocklisted -> reject
    code     5xx
    text     block ?list|black ?list|spamhaus|spamcop|barracuda|\bdnsbl\b|\brbl\b|blocked using|listed (at|on|in)\b|reputation|not accepted from this ip

rule content-refused -> reject
    code     5xx
    text     \bspam|unsolicited|virus|malware|phish|content (rejected|refused|policy)|policy reasons|message (was )?(rejected|blocked|refused) (as|because|due|for)

# A server that refuses EHLO or STARTTLS refuses the client as configured (client name, TLS
# mode) for every message: pause rather than fail recipients one by one.
rule hello-refused -> account
    stage    ehlo starttls
    code     5xx


# ---------------------------------------------------------------------------------------------
# Permanent for this address: bounce and suppress.

# X.1.x is about the address (unknown user 5.1.1, bad domain 5.1.2, bad syntax 5.1.3, Microsoft
# 5.1.10 recipient not found), X.2.1 a disabled mailbox. At DOT the code still names the
# recipient (servers that check after DATA).
rule unknown-recipient -> bounce
    stage    rcpt dot
    enhanced 5.1.*, 5.2.1

# The words, for servers whose codes say less: Yahoo "This user doesn't have a yahoo.com
# account" (554, no enhanced code), Outlook.com 550 5.5.0 "mailbox unavailable", Microsoft 365
# 550 5.4.1 "Recipient address rejected: Access denied" (directory-based edge blocking).
rule unknown-recipient-text -> bounce
    stage    rcpt
    code     5xx
    text     user unknown|unknown (user|recipient|alias|local.?part|mailbox)|no such (user|mailbox|recipient|address)|(does ?n[o']t|not) exist|doesn't have an? .* account|mailbox (is )?(unavailable|disabled|inactive|not found)|recipient (address )?(rejected|not found|unknown|invalid)|invalid (recipient|mailbox|address)|address (is )?(disabled|inactive|invalid)|account (is |has been )?(disabled|inactive|suspended|deleted|closed)|unrouteable|no longer (active|available|in use)

# Security and policy (X.7.x) anywhere else: IP not authorized, SPF, DKIM, DMARC, PTR, spam.
rule policy -> reject
    code     5xx
    enhanced 5.7.*

# What is left at RCPT with an address, mailbox or routing code, or none at all, is in practice
# an unknown or unusable address ("550 Requested action not taken: mailbox unavailable").
rule rcpt-permanent -> bounce
    stage    rcpt
    code     5xx
    enhanced none, 5.0.*, 5.1.*, 5.2.*, 5.4.*, 5.5.*


# ---------------------------------------------------------------------------------------------
# Fallbacks by the first digit (RFC 5321 section 4.2.1). Keep them last.

rule permanent -> reject
    code     5xx

rule temporary -> transient
    code     4xx

# A 3xx where none is expected is a confused server: retry later.
rule unexpected-intermediate -> transient
    code     3xx

"""#
}
