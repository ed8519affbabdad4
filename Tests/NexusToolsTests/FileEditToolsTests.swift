import Foundation
import NexusCore
import NexusTools
import Testing

/// The tools that change files without the model retyping them: copy, move, mkdir, replace.
@Suite struct FileEditToolsTests {
    private let registry: ToolRegistry

    init() throws {
        registry = try ToolRegistry([FilesystemCopyTool(), FilesystemMoveTool(), FilesystemMakeFolderTool(), FilesystemReplaceTool(), FilesystemDeleteTool()])
    }

    private func call(_ name: String, _ arguments: JSONValue, in scratch: ToolsScratch, policy: CapabilityPolicy = .default) async -> ToolResult {
        await registry.call(ToolCall(id: "1", name: name, arguments: arguments), context: scratch.context(policy)).result
    }

    // MARK: - filesystem_copy

    @Test func copyDuplicatesAFileExactly() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let text = "Quarterly report\n\nSales went up.\n"
        try scratch.write(text, to: "workspace/report.txt")

        #expect(await call("filesystem_copy", ["source": "report.txt", "destination": "report_backup.txt"], in: scratch)
            == .ok("copied report.txt to report_backup.txt (33 bytes)"))
        #expect(scratch.read("workspace/report_backup.txt") == text)
        #expect(scratch.read("workspace/report.txt") == text)
        // Into an existing folder, under the source's name; missing folders are created.
        try FileManager.default.createDirectory(at: scratch.workspace.appendingPathComponent("backups"), withIntermediateDirectories: true)
        #expect(await call("filesystem_copy", ["source": "report.txt", "destination": "backups"], in: scratch)
            == .ok("copied report.txt to backups/report.txt (33 bytes)"))
        #expect(await call("filesystem_copy", ["source": "report.txt", "destination": "new/deep/r.txt"], in: scratch).status == .ok)
        #expect(scratch.read("workspace/new/deep/r.txt") == text)
        #expect(await call("filesystem_copy", ["source": "report.txt", "destination": "./report.txt"], in: scratch)
            == .error("report.txt and ./report.txt are the same path; give the copy another name"))
        #expect(await call("filesystem_copy", ["source": "missing.txt", "destination": "x.txt"], in: scratch)
            == .error("no such file or directory: missing.txt"))
    }

    @Test func copyDuplicatesAFolderAndSkipsLinks() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("a", to: "workspace/src/a.txt")
        try scratch.write("b", to: "workspace/src/sub/b.txt")
        try scratch.symlink("workspace/src/link", to: "/etc/passwd")

        #expect(await call("filesystem_copy", ["source": "src", "destination": "copy"], in: scratch)
            == .ok("copied the folder src to copy: 2 files (2 bytes), 1 folders; 1 links or special files skipped"))
        #expect(scratch.read("workspace/copy/sub/b.txt") == "b")
        #expect(!scratch.exists("workspace/copy/link"))
        #expect(await call("filesystem_copy", ["source": "src", "destination": "src/inner"], in: scratch)
            == .error("src/inner is inside src; a folder cannot be copied into itself"))
    }

    @Test func copyStaysInsideThePolicy() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret.txt")
        try scratch.write("mine", to: "workspace/mine.txt")
        try scratch.symlink("workspace/link.txt", to: scratch.path("outside/secret.txt"))

        #expect(await call("filesystem_copy", ["source": .string(scratch.path("outside/secret.txt")), "destination": "stolen.txt"], in: scratch).status == .refused)
        #expect(await call("filesystem_copy", ["source": "link.txt", "destination": "stolen.txt"], in: scratch).status == .refused)
        #expect(!scratch.exists("workspace/stolen.txt"))
        #expect(await call("filesystem_copy", ["source": "mine.txt", "destination": "../outside/planted.txt"], in: scratch).status == .refused)
        #expect(!scratch.exists("outside/planted.txt"))
    }

    // MARK: - filesystem_move

    @Test func moveRenamesAndNeverReplaces() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("draft", to: "workspace/draft.txt")
        try scratch.write("other", to: "workspace/other.txt")

        #expect(await call("filesystem_move", ["source": "draft.txt", "destination": "archive/2024/draft.txt"], in: scratch)
            == .ok("moved draft.txt to archive/2024/draft.txt"))
        #expect(!scratch.exists("workspace/draft.txt"))
        #expect(scratch.read("workspace/archive/2024/draft.txt") == "draft")
        #expect(await call("filesystem_move", ["source": "other.txt", "destination": "archive"], in: scratch) == .ok("moved other.txt to archive/other.txt"))
        try scratch.write("again", to: "workspace/draft.txt")
        #expect(await call("filesystem_move", ["source": "draft.txt", "destination": "archive/2024/draft.txt"], in: scratch)
            == .error("archive/2024/draft.txt already exists; choose another name or remove it first"))
        #expect(scratch.read("workspace/archive/2024/draft.txt") == "draft")
        #expect(await call("filesystem_move", ["source": "archive", "destination": "archive/inside"], in: scratch).status == .error)
        #expect(await call("filesystem_move", ["source": "draft.txt", "destination": .string(scratch.path("outside/draft.txt"))], in: scratch).status == .refused)
        #expect(scratch.exists("workspace/draft.txt"))
    }

    // MARK: - filesystem_mkdir

    @Test func mkdirCreatesNestedFolders() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        #expect(await call("filesystem_mkdir", ["path": "a/b/c"], in: scratch) == .ok("created the folder a/b/c"))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: scratch.path("workspace/a/b/c"), isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(await call("filesystem_mkdir", ["path": "a/b"], in: scratch) == .ok("the folder a/b already exists"))
        try scratch.write("x", to: "workspace/file")
        #expect(await call("filesystem_mkdir", ["path": "file"], in: scratch) == .error("file already exists and is a file, not a folder"))
        try scratch.symlink("workspace/out", to: scratch.path("outside"))
        #expect(await call("filesystem_mkdir", ["path": "out/planted"], in: scratch).status == .refused)
        #expect(!scratch.exists("outside/planted"))
    }

    // MARK: - filesystem_replace

    @Test func replaceEditsEveryOccurrenceAndNothingElse() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("Roses are red,\nteh sky is blue,\nI wrote teh poem\n", to: "workspace/poem.txt")

        #expect(await call("filesystem_replace", ["path": "poem.txt", "old": "teh", "new": "the"], in: scratch)
            == .ok("replaced 2 occurrences of \"teh\" with \"the\" in poem.txt"))
        #expect(scratch.read("workspace/poem.txt") == "Roses are red,\nthe sky is blue,\nI wrote the poem\n")
        #expect(await call("filesystem_replace", ["path": "poem.txt", "old": "teh", "new": "the"], in: scratch)
            == .error("\"teh\" does not occur in poem.txt (the search is exact and case-sensitive); read the file to see its text"))
        #expect(await call("filesystem_replace", ["path": "poem.txt", "old": "", "new": "x"], in: scratch).content.contains("at least 1"))
        var readOnly = CapabilityPolicy.default
        readOnly.writablePaths = []
        #expect(await call("filesystem_replace", ["path": "poem.txt", "old": "red", "new": "blue"], in: scratch, policy: readOnly).status == .refused)
        #expect(scratch.read("workspace/poem.txt")?.contains("red") == true)
    }

    @Test func replaceThroughAPatternEditsEachFileThatHoldsTheText() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("Acme Corp makes tools.\nAsk Acme Corp.\n", to: "workspace/docs/about.md")
        try scratch.write("Write to Acme Corp.\n", to: "workspace/docs/contact.md")
        try scratch.write("Nothing here.\n", to: "workspace/docs/faq.md")
        try scratch.write("Acme Corp, plain text.\n", to: "workspace/docs/notes.txt")
        try scratch.write("Acme Corp below.\n", to: "workspace/docs/old/archive.md")

        #expect(await call("filesystem_replace", ["path": "docs/*.md", "old": "Acme Corp", "new": "Globex"], in: scratch)
            == .ok("replaced 3 occurrences of \"Acme Corp\" with \"Globex\" in 2 files: docs/about.md (2), docs/contact.md (1)\nwithout the text, unchanged: docs/faq.md"))
        #expect(scratch.read("workspace/docs/about.md") == "Globex makes tools.\nAsk Globex.\n")
        // A pattern without a folder below it matches the folder's own files, as a shell does.
        #expect(scratch.read("workspace/docs/notes.txt") == "Acme Corp, plain text.\n")
        #expect(scratch.read("workspace/docs/old/archive.md") == "Acme Corp below.\n")
        #expect(await call("filesystem_replace", ["path": "docs/**/*.md", "old": "Acme Corp", "new": "Globex"], in: scratch)
            == .ok("replaced 1 occurrence of \"Acme Corp\" with \"Globex\" in 1 file: docs/old/archive.md (1)\nwithout the text, unchanged: docs/about.md, docs/contact.md, docs/faq.md"))
        // A folder means its own files.
        #expect(await call("filesystem_replace", ["path": "docs", "old": "plain", "new": "simple"], in: scratch).status == .ok)
        #expect(scratch.read("workspace/docs/notes.txt") == "Acme Corp, simple text.\n")
        #expect(await call("filesystem_replace", ["path": "docs/*.csv", "old": "a", "new": "b"], in: scratch)
            == .error("no file matches docs/*.csv; list the folder to see its files"))
        #expect(await call("filesystem_replace", ["path": "docs/*.md", "old": "Initech", "new": "b"], in: scratch).status == .error)

        // One file the policy does not let the run write: nothing is edited, not even the others.
        try scratch.write("Acme Corp\n", to: "workspace/mixed/a.txt")
        try scratch.write("Acme Corp\n", to: "workspace/mixed/locked/b.txt")
        var onlyA = CapabilityPolicy.default
        onlyA.writablePaths = ["mixed/a.txt"]
        #expect(await call("filesystem_replace", ["path": "mixed/**/*.txt", "old": "Acme", "new": "X"], in: scratch, policy: onlyA).status == .refused)
        #expect(scratch.read("workspace/mixed/a.txt") == "Acme Corp\n")
        #expect(scratch.read("workspace/mixed/locked/b.txt") == "Acme Corp\n")
    }

    // MARK: - filesystem_delete

    @Test func deleteRemovesAFileOrAFolderAskedForAndNothingBeyond() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("old\n", to: "workspace/old.txt")
        try scratch.write("a\n", to: "workspace/tmp/a.txt")
        try scratch.write("b\n", to: "workspace/tmp/deep/b.txt")
        try scratch.write("keep\n", to: "outside/precious.txt")
        // A link inside the folder, to a folder outside the workspace: removed as a link, never followed.
        try scratch.symlink("workspace/tmp/escape", to: scratch.path("outside"))

        #expect(await call("filesystem_delete", ["path": "old.txt"], in: scratch) == .ok("deleted old.txt"))
        #expect(!scratch.exists("workspace/old.txt"))
        #expect(await call("filesystem_delete", ["path": "old.txt"], in: scratch) == .error("no such file or directory: old.txt"))
        #expect(await call("filesystem_delete", ["path": "tmp"], in: scratch)
            == .error("tmp is a folder with files in it; give \"recursive\": true to delete it with everything inside"))
        #expect(scratch.read("workspace/tmp/a.txt") == "a\n")
        #expect(await call("filesystem_delete", ["path": "tmp", "recursive": true], in: scratch) == .ok("deleted tmp and the 4 entries in it"))
        #expect(!scratch.exists("workspace/tmp"))
        #expect(scratch.read("outside/precious.txt") == "keep\n")

        // The workspace itself, paths outside it, and a run that may not write are refused.
        #expect(await call("filesystem_delete", ["path": ".", "recursive": true], in: scratch).status == .error)
        #expect(await call("filesystem_delete", ["path": .string(scratch.path("outside/precious.txt"))], in: scratch).status == .refused)
        #expect(await call("filesystem_delete", ["path": "../outside/precious.txt"], in: scratch).status == .refused)
        try scratch.write("x\n", to: "workspace/x.txt")
        var readOnly = CapabilityPolicy.default
        readOnly.writablePaths = []
        #expect(await call("filesystem_delete", ["path": "x.txt"], in: scratch, policy: readOnly).status == .refused)
        #expect(scratch.read("outside/precious.txt") == "keep\n")
        #expect(scratch.read("workspace/x.txt") == "x\n")
        #expect(scratch.exists("workspace"))
    }

    // MARK: - filesystem_write in an agent run

    @Test func anAgentRunReadsAFileBeforeReplacingIt() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("Roses are red,\n", to: "workspace/poem.txt")
        let writer = try ToolRegistry([FilesystemWriteTool()])
        func write(_ arguments: JSONValue, observed: Set<String>?) async -> ToolResult {
            var context = scratch.context()
            context.observedPaths = observed
            return await writer.call(ToolCall(id: "1", name: "filesystem_write", arguments: arguments), context: context).result
        }
        let blind: JSONValue = ["path": "poem.txt", "content": "Fix the poem"]
        #expect(await write(blind, observed: [])
            == .error("poem.txt already exists and you have not read it; read it first with filesystem_read, or change some of its text with filesystem_replace"))
        #expect(scratch.read("workspace/poem.txt") == "Roses are red,\n")
        // New files, appends, files the run read, and calls outside a run are not held back.
        #expect(await write(["path": "new.txt", "content": "x"], observed: []).status == .ok)
        #expect(await write(["path": "poem.txt", "content": "x", "mode": "append"], observed: []).status == .ok)
        #expect(await write(blind, observed: ["./poem.txt"]).status == .ok)
        #expect(await write(["path": "new.txt", "content": "y"], observed: nil).status == .ok)
    }

    // MARK: - offering

    @Test func toolsThePolicyRulesOutAreNotOffered() throws {
        let all = try ToolRegistry([
            FilesystemReadTool(), FilesystemWriteTool(), FilesystemCopyTool(), ExecuteCommandTool(), PythonExecuteTool(), WebFetchTool(), DatabaseQueryTool(),
        ])
        #expect(all.definitions(usableUnder: .default).map(\.name)
            == ["filesystem_read", "filesystem_write", "filesystem_copy", "execute_command", "python_execute"])
        var open = CapabilityPolicy.default
        open.networkHosts = ["example.org"]
        open.databases = ["data.db"]
        #expect(all.definitions(usableUnder: open).count == 7)
        var locked = CapabilityPolicy.default
        locked.writablePaths = []
        locked.commands = ["ls"]
        #expect(all.definitions(usableUnder: locked).map(\.name) == ["filesystem_read", "execute_command"])
    }
}
