import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NexusCore

/// The body of the `nexus-lua-worker` process: reads one `run` message from stdin, runs it in a
/// ``LuaSession`` whose host functions become requests on stdout (each answered on stdin), and
/// writes one `finished` message. Everything Lua can break ends here: a crash of the
/// interpreter, an escaped budget or a spinning loop takes down only this process, which the
/// host started in the sandbox with rlimits and kills at the wall-clock limit.
public enum LuaWorkerLoop {
    /// Runs one call; the process exit status (0 when a result was written).
    public static func run() -> Int32 {
        // A host that went away must end the worker quietly, not with a signal.
        signal(SIGPIPE, SIG_IGN)
        let channel = LuaWorkerChannel(input: 0, output: 1)
        guard let line = channel.readLine() else { return 2 }
        let request: LuaRunRequest
        do {
            guard case .run(let run) = try LuaWireMessage(line: line) else {
                FileHandle.standardError.write(Data("nexus-lua-worker: the first message must be `run`\n".utf8))
                return 2
            }
            request = run
        } catch {
            FileHandle.standardError.write(Data("nexus-lua-worker: \(error)\n".utf8))
            return 2
        }
        let host = LuaWorkerHost(channel: channel)
        let outcome: LuaOutcome
        if request.compileOnly {
            let problem = LuaSession.syntaxError(in: request.code, id: request.id)
            outcome = LuaOutcome(result: problem.map { .failure(LuaFailure(.error($0))) } ?? .success(.null))
        } else if let session = LuaSession(host: host, instructions: request.instructions, memoryBytes: request.memoryBytes) {
            outcome = session.run(code: request.code, id: request.id, input: request.input, seconds: request.seconds)
        } else {
            outcome = LuaOutcome(result: .failure(LuaFailure(.memoryLimit)))
        }
        return channel.write(.finished(outcome)) ? 0 : 3
    }
}

/// The worker's side of the host functions: each becomes a request line and waits for the answer.
final class LuaWorkerHost: LuaHost, @unchecked Sendable {
    private let channel: LuaWorkerChannel

    init(channel: LuaWorkerChannel) {
        self.channel = channel
    }

    func callTool(_ name: String, arguments: JSONValue) -> Result<String, LuaHostFailure> {
        text(for: .call(tool: name, arguments: arguments))
    }

    func credential(_ name: String) -> Result<String, LuaHostFailure> {
        text(for: .credential(name: name))
    }

    func dependency(_ name: String) -> Result<(id: String, code: String), LuaHostFailure> {
        switch ask(.dependency(name: name)) {
        case .module(let id, let code): .success((id, code))
        case .failure(let failure): .failure(failure)
        case .text: .failure(LuaHostFailure("the host answered require(\"\(name)\") with text instead of a module"))
        }
    }

    private func text(for request: LuaWireMessage) -> Result<String, LuaHostFailure> {
        switch ask(request) {
        case .text(let text): .success(text)
        case .failure(let failure): .failure(failure)
        case .module: .failure(LuaHostFailure("the host answered with a module instead of text"))
        }
    }

    private func ask(_ request: LuaWireMessage) -> LuaAnswer {
        guard channel.write(request), let line = channel.readLine() else {
            return .failure(LuaHostFailure("the connection to Nexus was lost"))
        }
        guard case .answer(let answer) = try? LuaWireMessage(line: line) else {
            return .failure(LuaHostFailure("Nexus sent something other than an answer"))
        }
        return answer
    }
}

/// Line-delimited messages over two file descriptors, with blocking reads and writes.
final class LuaWorkerChannel {
    private let input: Int32
    private let output: Int32
    private var buffer: [UInt8] = []

    init(input: Int32, output: Int32) {
        self.input = input
        self.output = output
    }

    /// The next line without its newline; nil at end of input.
    func readLine() -> String? {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let count = read(input, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Writes one message and its newline; false when the host is gone.
    func write(_ message: LuaWireMessage) -> Bool {
        var bytes = Array(message.line.utf8)
        bytes.append(0x0A)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }
}
