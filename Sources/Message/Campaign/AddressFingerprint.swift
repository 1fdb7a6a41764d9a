/// 128 bits of SHA-256 of an address's normalized form (`EmailAddress.normalizedKey`: domain
/// lower-cased). Duplicate detection keeps these instead of the addresses: 16 bytes per
/// recipient whatever the address length, and a collision among a million addresses has a
/// probability near 2^-88.
struct AddressFingerprint: Hashable {
    var high: UInt64
    var low: UInt64

    init(_ address: EmailAddress) {
        let digest = Digests.sha256(Array(address.normalizedKey.utf8))
        var high: UInt64 = 0, low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(digest[index])
            low = low << 8 | UInt64(digest[index + 8])
        }
        self.high = high
        self.low = low
    }
}
