/// A problem found while parsing, before the caller knows whether it was parsing an address or a
/// domain on its own (and so which `MessageError` case to wrap it in).
struct AddressFailure: Error {
    var problem: AddressProblem
    /// Unicode scalar offset in the text being parsed.
    var offset: Int

    init(_ problem: AddressProblem, at offset: Int) {
        self.problem = problem
        self.offset = offset
    }
}
