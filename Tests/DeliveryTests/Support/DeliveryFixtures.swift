import Foundation
import TestSupport

/// The files these tests compare against.
enum DeliveryFixtures {
    static let defaultRules = RepositoryPaths.root.appendingPathComponent("etc/classification.rules")
    /// The corpus of real provider replies, in `shared/fixtures` beside the repository.
    static let replyCorpus = RepositoryPaths.sharedFixtures.appendingPathComponent("smtp-replies.tsv")
}
