import Foundation

/// A campaign folder in a temporary directory: campaign.json plus whatever files a test needs.
struct CampaignFixture {
    let directory: URL
    var campaignPath: String { directory.appendingPathComponent("campaign.json").path }

    init(files: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("maild-campaign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, contents) in files {
            try Data(contents.utf8).write(to: directory.appendingPathComponent(name))
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A valid campaign's JSON fields; tests replace or drop some.
    static let validFields: [String: String] = [
        "name": "\"spring\"",
        "account": "\"demo\"",
        "from": "{\"name\": \"News\", \"address\": \"news@example.com\"}",
        "subject": "\"Hello {{first_name}}\"",
        "text": "\"Hi {{first_name}} from {{city}}\"",
        "recipients_file": "\"list.csv\"",
    ]

    static func json(_ fields: [String: String]) -> String {
        "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ",\n") + "}"
    }

    static let validCSV = "email,name,first_name,city\r\nann@example.com,Ann,Ann,Oslo\r\nbob@example.org,Bob,Bob,Rome\r\n"
}
