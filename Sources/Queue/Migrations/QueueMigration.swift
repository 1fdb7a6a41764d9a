/// One schema step: a named SQL script applied once, in order, and recorded in the database.
public struct QueueMigration: Hashable, Sendable {
    /// The name recorded in `grdb_migrations`; never change it once released.
    public var identifier: String
    /// The file under `migrations/` that holds the same text.
    public var fileName: String
    public var sql: String

    public init(identifier: String, fileName: String, sql: String) {
        self.identifier = identifier
        self.fileName = fileName
        self.sql = sql
    }
}
