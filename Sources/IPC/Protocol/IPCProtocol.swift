import Foundation

/// The version both sides announce in `hello`. Bump it on any incompatible change to a
/// message; additive fields with defaults keep it.
public enum IPCProtocol {
    public static let version = 1

    /// Dates travel as RFC 3339 strings, keys in snake_case: what `mailctl --json` prints is
    /// what the wire carries.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
