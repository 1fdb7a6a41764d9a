/// The built-in provider table, a copy of `etc/providers.conf` compiled into the binary so
/// maild works without the file. A test checks the copy equals the file byte for byte: edit
/// the file, then paste it here.
public enum DefaultProviderTable {
    public static let fileName = "providers.conf"

    public static let text = #"""
# maild's built-in provider table: which recipient domains belong to which mailbox
# provider, the limits maild keeps per provider, and replies that suspend a provider.
# This file documents the built-in table; maild has a copy compiled in
# (Sources/Delivery/Policy/DefaultProviderTable.swift) and a test keeps the two equal.
# Put your changes in an override file (see docs/providers.md), not here.
#
# provider NAME                      starts a provider (letters, digits, - _ .)
# domains PATTERN...                 gmail.com, hotmail.* (any TLD), *.example.com (subdomains)
# rate LIMIT...                      30/min 2000/day 1/8m ... (all apply, the smallest wins)
# connections N                      SMTP sessions carrying the provider's mail at once (all accounts)
# messages_per_connection N          messages before a new connection
# suspend NAME DURATION REGEX        a reply whose text matches REGEX (case-insensitive)
#                                    suspends the provider for DURATION
#
# Every domain not listed belongs to the provider "default".
# The built-in table sets no rates: mailbox providers do not publish inbound limits, and
# through a relay the relay's own limits (the account's) are the ones that bite.

provider google
domains gmail.com googlemail.com
# Gmail: 421 4.7.28 "Our system has detected an unusual rate of unsolicited mail ...".
suspend gmail-unusual-rate 1h unusual rate of unsolicited mail

provider microsoft
domains outlook.com hotmail.* live.* msn.com
# Outlook.com: 451 4.7.650 "The mail server [IP] has been temporarily rate limited due to IP reputation".
suspend microsoft-rate-limited 1h 4\.7\.650|temporarily rate limited

provider yahoo
domains yahoo.* ymail.com aol.com
# help.yahoo.com/kb/SLN3433: Yahoo Mail accepts at most 20 messages per SMTP connection.
messages_per_connection 20
# Yahoo: 421 4.7.0 [TSS04] "Messages from IP temporarily deferred due to unexpected volume or user complaints".
suspend yahoo-tss04 1h \[TSS04\]

provider apple
domains icloud.com me.com mac.com

"""#
}
