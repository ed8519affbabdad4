import Foundation
import NexusCore
import NexusStore
import Testing

@Suite struct NexusDatabaseTests {
    @Test func freshFileIsMigratedAndKeepsDataWhenReopened() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("home/nested/nexus.db")
            var applied: [String] = []
            do {
                let database = try NexusDatabase.open(at: url)
                applied = try database.appliedMigrations()
                #expect(applied.first == "v1")
                #expect(applied.contains("v2-keys"))
                #expect(applied.contains("v2-modules"))
                _ = try MemoryStore(database: database).add("the build uses swift 6", source: "user")
            }
            #expect(FileManager.default.fileExists(atPath: url.path))
            let reopened = try NexusDatabase.open(at: url)
            #expect(try reopened.appliedMigrations() == applied)
            #expect(try MemoryStore(database: reopened).list().map(\.content) == ["the build uses swift 6"])
        }
    }

    @Test func filesUseWriteAheadLogging() throws {
        try withTemporaryFolder { folder in
            let database = try NexusDatabase.open(at: folder.appendingPathComponent("nexus.db"))
            #expect(try database.journalMode() == "wal")
        }
        #expect(try NexusDatabase.inMemory().journalMode() == "memory")
    }

    @Test func corruptFileGivesOneLineErrorNamingThePath() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("nexus.db")
            try Data(String(repeating: "this is not an SQLite database. ", count: 200).utf8).write(to: url)
            let error = #expect(throws: NexusError.self) { try NexusDatabase.open(at: url) }
            #expect(error?.code == .databaseUnavailable)
            #expect(error?.message.contains(url.path) == true)
            #expect(error?.message.contains("move it aside") == true)
            #expect(error?.message.contains("\n") == false)
        }
    }

    @Test func folderInPlaceOfTheFileIsRejected() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("nexus.db")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            let error = #expect(throws: NexusError.self) { try NexusDatabase.open(at: url) }
            #expect(error?.code == .databaseUnavailable)
            #expect(error?.message.contains("is a folder") == true)
        }
    }

    @Test func databaseFromANewerNexusIsRefused() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("nexus.db")
            _ = try NexusDatabase.open(at: url)
            _ = try ExternalDatabase.query(path: url.path, sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999')",
                                           readOnly: false, maxBytes: 1000)
            let error = #expect(throws: NexusError.self) { try NexusDatabase.open(at: url) }
            #expect(error?.message.contains("newer version of Nexus") == true)
            #expect(error?.message.contains(url.path) == true)
        }
    }
}
