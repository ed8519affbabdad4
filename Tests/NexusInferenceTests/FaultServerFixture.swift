import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `tests/fixtures/gateway_fault_server.py` on a free loopback port: an OpenAI-compatible server
/// that times out, answers 429/500/400 or cuts its stream, as the model name asks.
final class FaultServerFixture: @unchecked Sendable {
    let process: Process
    let port: Int

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tests/fixtures/gateway_fault_server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != UInt8(ascii: "\n") {
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw Failure(description: "the fault server did not print its port (is python3 installed?)")
        }
        self.port = port
    }

    /// An `openai:` reference to this server serving `model` (which picks the behaviour).
    func reference(_ model: String) -> String { "openai:http://127.0.0.1:\(port)/v1#\(model)" }

    deinit {
        // SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
