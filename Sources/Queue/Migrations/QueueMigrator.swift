import Foundation
import GRDB

/// Applies the embedded migrations with GRDB's `DatabaseMigrator`, which records each one in
/// `grdb_migrations` in the same transaction as its SQL: a crash mid-upgrade leaves the
/// database at the previous step, never half-way through one.
public enum QueueMigrator {
    /// The identifiers this build knows, in order.
    public static var identifiers: [String] { EmbeddedMigrations.all.map(\.identifier) }

    static func migrator(upTo target: String? = nil) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.all {
            let sql = migration.sql
            migrator.registerMigration(migration.identifier) { db in
                try db.execute(sql: sql)
            }
            if migration.identifier == target { break }
        }
        return migrator
    }

    /// Creates (or upgrades) the database file at `path` up to and including the migration
    /// `identifier`, and nothing after it. For tests of upgrades from older releases and for
    /// operators' recovery tooling; maild itself opens databases with `QueueStore(path:)`.
    public static func createDatabase(at path: String, upTo identifier: String) throws {
        guard identifiers.contains(identifier) else {
            throw QueueError.unknownMigration(identifier: identifier, known: identifiers)
        }
        do {
            let pool = try DatabasePool(path: path)
            try migrator(upTo: identifier).migrate(pool)
            try pool.close()
        } catch let error as QueueError {
            throw error
        } catch {
            throw QueueError.describe(error, path: path, operation: "migrating", busyTimeout: 0)
        }
    }
}
