import ArgumentParser
import Foundation
import NexusCore
import NexusInference

extension ModelsCommand {
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a GGUF file from an http(s) URL into the store.",
            discussion: "An interrupted pull keeps what arrived; the same command again goes on from there.")

        @Argument(help: "The URL of the GGUF file.") var url: String
        @Option(help: "The model's name (default: the file's name without .gguf).") var name: String?
        @Option(help: "The expected SHA-256 (64 hex digits); a file that differs is not installed.") var sha256: String?
        @Flag(help: "Replace a model already called NAME.") var replace = false

        func validate() throws {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                throw NexusError(.invalidArgument, "'\(url)' is not an http(s) URL of a GGUF file")
            }
            if let sha256, sha256.count != 64 || !sha256.allSatisfy(\.isHexDigit) {
                throw NexusError(.invalidArgument, "--sha256 takes 64 hex digits")
            }
        }

        func run() async throws {
            let source = URL(string: url)!
            let model = name ?? ModelStore.defaultName(for: source)
            _ = try ModelName(validating: model)
            let bar = DownloadProgress(label: model)
            let entry = try await ModelDownloader(store: ModelsCommand.store)
                .download(source, as: model, sha256: sha256, replacing: replace) { completed, total in bar.show(completed, of: total) }
            bar.finish()
            print("pulled \(entry.name) (\(DownloadProgress.megabytes(entry.size)), sha256 \(entry.sha256 ?? "unknown"))")
        }
    }
}

/// A progress bar on stderr while a download runs, when stderr is a terminal.
final class DownloadProgress: Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private let started = ContinuousClock.now

    init(label: String) { self.label = label }

    func show(_ completed: Int64, of total: Int64?) {
        guard enabled else { return }
        let seconds = max((ContinuousClock.now - started).inSeconds, 0.001)
        let rate = Self.megabytes(Int64(Double(completed) / seconds)) + "/s"
        guard let total, total > 0 else {
            FileHandle.standardError.write(Data("\rpulling \(label) \(Self.megabytes(completed)) \(rate)\u{1B}[K".utf8))
            return
        }
        let fraction = min(Double(completed) / Double(total), 1)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: " ", count: width - filled)
        let line = "\rpulling \(label) \(Int(fraction * 100))% ▕\(bar)▏ \(Self.megabytes(completed))/\(Self.megabytes(total)) \(rate)\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
