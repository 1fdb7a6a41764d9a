/// One `name=value` parameter of a Content-Type or Content-Disposition field.
public struct HeaderParameter: Hashable, Sendable {
    /// A token such as `filename`, `charset`, `boundary`.
    public var name: String
    /// Any text; non-ASCII and long values are written per RFC 2231.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
