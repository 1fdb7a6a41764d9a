import Foundation

/// Files the tests compare against, found from this source file so that `swift test` works
/// from any directory: `<repo>/Tests/DeliveryTests/Support/RepositoryPaths.swift`.
enum RepositoryPaths {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // DeliveryTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static let defaultRules = root.appendingPathComponent("etc/classification.rules")

    /// The corpus shared between the projects of this workspace, next to the repository.
    static let replyCorpus = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/smtp-replies.tsv")
}
