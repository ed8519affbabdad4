import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusInference
import NexusTesting
import Synchronization
import Testing

/// A pull that was cut off goes on from what arrived, and what it installs is still checked whole.
@Suite struct ModelPullResumeTests {
    static let file = TinyGGUF.bytes(named: "resumed")
    static let digest = SHA256.hash(data: file).map { String(format: "%02x", $0) }.joined()

    /// A file server for `/model.gguf` that answers a range request with the rest of the file
    /// (or ignores ranges), remembering the Range headers it saw.
    typealias Outcome = (entry: Result<ModelEntry, any Error>, ranges: [String], partialLeft: Bool)

    final class Seen: Sendable {
        let ranges = Mutex<[String]>([])
        let outcome = Mutex<Outcome?>(nil)
    }

    static func server(honoursRanges: Bool, seen: Seen) -> some ApplicationProtocol {
        let router = Router()
        router.get("/model.gguf") { request, _ in
            let range = request.headers[.range]
            seen.ranges.withLock { $0.append(range ?? "") }
            if honoursRanges, let range, range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).prefix { $0.isNumber }), start < file.count {
                var headers = HTTPFields()
                headers[.contentRange] = "bytes \(start)-\(file.count - 1)/\(file.count)"
                return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Array(file[start...]))))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: Array(file))))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func pull(keeping kept: Data, honoursRanges: Bool, expecting sha256: String?) async throws -> Outcome {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let store = ModelStore(home: home.url)
        let seen = Seen()
        try await Self.server(honoursRanges: honoursRanges, seen: seen).test(.live) { client in
            let url = URL(string: "http://127.0.0.1:\(try #require(client.port))/model.gguf")!
            let partial = ModelDownloader.partialFile(for: url, name: "resumed", in: store.directory)
            try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
            try kept.write(to: partial)
            let entry: Result<ModelEntry, any Error>
            do {
                entry = .success(try await ModelDownloader(store: store).download(url, as: "resumed", sha256: sha256) { _, _ in })
            } catch {
                entry = .failure(error)
            }
            let left = FileManager.default.fileExists(atPath: partial.path)
            seen.outcome.withLock { $0 = (entry, seen.ranges.withLock { $0 }, left) }
        }
        return try #require(seen.outcome.withLock { $0 })
    }

    @Test("a pull with half the file kept asks for the rest and installs the whole file")
    func resumes() async throws {
        let half = Self.file.count / 2
        let result = try await pull(keeping: Self.file.prefix(half), honoursRanges: true, expecting: Self.digest)
        #expect(result.ranges == ["bytes=\(half)-"])
        #expect(try result.entry.get().sha256 == Self.digest)
        #expect(!result.partialLeft)
    }

    @Test("a server that ignores ranges sends the whole file, and the kept part is dropped")
    func serverWithoutRanges() async throws {
        let result = try await pull(keeping: Data("junk from an older file".utf8), honoursRanges: false, expecting: Self.digest)
        #expect(try result.entry.get().sha256 == Self.digest)
    }

    @Test("a kept part that does not belong to the file fails the digest and nothing is installed or kept")
    func wrongKeptPart() async throws {
        let junk = Data(repeating: 0x41, count: Self.file.count / 2)
        let result = try await pull(keeping: junk, honoursRanges: true, expecting: Self.digest)
        #expect(throws: NexusError.self) { try result.entry.get() }
        #expect(!result.partialLeft)
    }
}
