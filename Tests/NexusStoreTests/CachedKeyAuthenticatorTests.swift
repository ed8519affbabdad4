import Foundation
import NexusCore
import NexusStore
import Testing

@Suite("The server's cached key check")
struct CachedKeyAuthenticatorTests {
    @Test("a key revoked or rotated by another process stops working on the very next check")
    func revocationElsewhereIsSeenAtOnce() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appendingPathComponent(NexusDatabase.fileName)
            let server = try NexusDatabase.open(at: file)
            let keys = try CachedKeyAuthenticator(database: server)
            // The command line: another connection to the same file, as another process has.
            let commandLine = KeyStore(database: try NexusDatabase.open(at: file))
            let issued = try commandLine.create(name: "ci", role: .operator)
            let other = try commandLine.create(name: "other", role: .viewer)
            for _ in 0..<3 {
                #expect(try await keys.authenticateAsync(secret: issued.secret)?.id == issued.record.id)
            }
            #expect(try commandLine.revoke(id: issued.record.id))
            #expect(try await keys.authenticateAsync(secret: issued.secret) == nil)
            #expect(try await keys.authenticateAsync(secret: other.secret)?.id == other.record.id)
            let rotated = try commandLine.rotate(id: other.record.id)
            #expect(try await keys.authenticateAsync(secret: other.secret) == nil)
            #expect(try await keys.authenticateAsync(secret: rotated.secret)?.role == .viewer)
            #expect(try await keys.authenticateAsync(secret: "nxk_" + String(repeating: "A", count: 43)) == nil)
        }
    }
}
