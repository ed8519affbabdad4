import Foundation
import NexusCore
import NexusTools
import Testing

@Suite struct FileToolsTests {
    private let registry: ToolRegistry

    init() throws {
        registry = try ToolRegistry([FilesystemListTool(), FilesystemReadTool(), FilesystemWriteTool(), FilesystemSearchTool()])
    }

    private func call(_ name: String, _ arguments: JSONValue, in scratch: ToolsScratch, policy: CapabilityPolicy = .default) async -> ToolResult {
        await registry.call(ToolCall(id: "1", name: name, arguments: arguments), context: scratch.context(policy)).result
    }

    // MARK: - filesystem_list

    @Test func listShowsFoldersWithASlashAndFilesByName() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("print(1)\n", to: "workspace/src/main.py")
        try scratch.write("x", to: "workspace/README")
        try scratch.write("ref", to: "workspace/.git/HEAD")
        try scratch.symlink("workspace/etc", to: "/etc")

        #expect(await call("filesystem_list", [:], in: scratch) == .ok("""
            1 file, 2 folders, 1 other entry:
            .git/
            README
            etc (symbolic link: not followed)
            src/
            """))
        #expect(await call("filesystem_list", ["path": "src"], in: scratch) == .ok("1 file, 0 folders:\nsrc/main.py"))
        #expect(await call("filesystem_list", ["recursive": true], in: scratch) == .ok("""
            2 files, 2 folders, 1 other entry:
            .git/ (not listed)
            README
            etc (symbolic link: not followed)
            src/
            src/main.py
            """))
        try FileManager.default.createDirectory(at: scratch.workspace.appendingPathComponent("empty"), withIntermediateDirectories: true)
        #expect(await call("filesystem_list", ["path": "empty"], in: scratch) == .ok("[empty is an empty folder]"))
        #expect(await call("filesystem_list", ["path": "/etc"], in: scratch)
            == .refused("path /etc is outside the readable paths of this run (workspace)"))
        #expect(await call("filesystem_list", ["path": "etc"], in: scratch).status == .refused)
        #expect(await call("filesystem_list", ["path": "nope"], in: scratch) == .error("no such file or directory: nope"))
        // A guessed absolute path is refused, with the workspace's file of that name as a hint.
        #expect(await call("filesystem_list", ["path": "/var/log/README"], in: scratch)
            == .refused("path /var/log/README is outside the readable paths of this run (workspace); the workspace has 'README': use that relative path"))
        // Listing a file is an error that says to read it: shown as a listing, the file's name is what a
        // small model then gives as its answer.
        #expect(await call("filesystem_list", ["path": "README"], in: scratch) == .error("README is a file, not a folder: read it with filesystem_read"))
    }

    // MARK: - filesystem_read

    @Test func pathsAreReadAsTheModelMeantThem() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("a,b\n", to: "workspace/data/sales.csv")
        // Quotes, backticks and spaces around a path, and Windows separators, are a small model's habits.
        for path in [#".\data\sales.csv"#, "`data/sales.csv`", " \"data/sales.csv\" "] {
            let result = await call("filesystem_read", ["path": .string(path)], in: scratch)
            #expect(result.status == .ok && result.content.hasSuffix("sales.csv: 1 line]\na,b\n"), "\(path): \(result.content)")
        }
    }

    @Test func readReturnsTextAndLineRanges() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let text = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        try scratch.write(text, to: "workspace/ten.txt")

        #expect(await call("filesystem_read", ["path": "ten.txt"], in: scratch) == .ok("[ten.txt: 10 lines]\n" + text))
        try scratch.write("one\ntwo", to: "workspace/two.txt")
        #expect(await call("filesystem_read", ["path": "two.txt"], in: scratch) == .ok("[two.txt: 2 lines]\none\ntwo"))
        #expect(await call("filesystem_read", ["path": "ten.txt", "offset": 3, "limit": 2], in: scratch)
            == .ok("line 3\nline 4\n[lines 3-4 of 10; call filesystem_read with offset 5 to read on]"))
        #expect(await call("filesystem_read", ["path": "ten.txt", "offset": 9], in: scratch) == .ok("line 9\nline 10\n[lines 9-10 of 10]"))
        #expect(await call("filesystem_read", ["path": "ten.txt", "offset": 11], in: scratch)
            == .error("ten.txt has 10 lines; offset 11 is past the end"))
        #expect(await call("filesystem_read", ["path": "ten.txt", "offset": 0], in: scratch).content.contains("$.offset: must be at least 1"))
    }

    @Test func readCutsLongFilesAtALineWithinTheOutputLimit() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let lines = (1...1000).map { String(format: "%04d ", $0) + String(repeating: "x", count: 45) }  // 50 bytes + newline
        try scratch.write(lines.joined(separator: "\n") + "\n", to: "workspace/big.txt")
        var policy = CapabilityPolicy.default
        policy.limits.outputBytes = 4096
        let result = await call("filesystem_read", ["path": "big.txt"], in: scratch, policy: policy)
        #expect(result.truncated)
        #expect(result.content.utf8.count <= 4096)
        #expect(result.content.hasPrefix("0001 x"))
        #expect(result.content.hasSuffix("[lines 1-76 of 1000; call filesystem_read with offset 77 to read on]"))
        let next = await call("filesystem_read", ["path": "big.txt", "offset": 77, "limit": 1], in: scratch, policy: policy)
        #expect(next.content.hasPrefix("0077 x"))
    }

    @Test func readRefusesAndExplains() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret.txt")
        try scratch.hardlink("workspace/copy.txt", to: "outside/secret.txt")
        try scratch.write("", to: "workspace/empty.txt")
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 1]).write(to: scratch.workspace.appendingPathComponent("prog"))

        #expect(await call("filesystem_read", ["path": "/etc/shadow"], in: scratch)
            == .refused("path /etc/shadow is outside the readable paths of this run (workspace)"))
        #expect(await call("filesystem_read", ["path": "copy.txt"], in: scratch).content.contains("it is a file with 2 hard links"))
        #expect(await call("filesystem_read", ["path": "missing.txt"], in: scratch) == .error("no such file or directory: missing.txt"))
        #expect(await call("filesystem_read", ["path": "empty.txt"], in: scratch) == .ok("[empty.txt is empty]"))
        #expect(await call("filesystem_read", ["path": "prog"], in: scratch)
            == .error("prog is a binary file (7 bytes); filesystem_read shows text files only"))
        #expect(await call("filesystem_read", [:], in: scratch).content.contains("missing required property 'path'"))
    }

    @Test("a missing path's error names the near names in its folder: another extension or none, another case, a letter or two off")
    func missingPathsNameWhatIsThere() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        for name in ["notes", "report.txt", "Data.csv", "plans/q3.md", "plans/q4.md", "zebra.log"] {
            try scratch.write("x", to: "workspace/\(name)")
        }
        func missing(_ path: String) async -> String { await call("filesystem_read", ["path": .string(path)], in: scratch).content }
        #expect(await missing("notes.txt") == "no such file or directory: notes.txt; did you mean 'notes'?")
        #expect(await missing("report") == "no such file or directory: report; did you mean 'report.txt'?")
        #expect(await missing("data.csv") == "no such file or directory: data.csv; did you mean 'Data.csv'?")
        #expect(await missing("raport.txt") == "no such file or directory: raport.txt; did you mean 'report.txt'?")
        #expect(await missing("plans/q3") == "no such file or directory: plans/q3; did you mean 'plans/q3.md'?")
        #expect(await missing("plans/q5.md") == "no such file or directory: plans/q5.md; did you mean 'plans/q3.md' or 'plans/q4.md'?")
        // Nothing near: the error alone. A short name is not matched by letters off.
        #expect(await missing("budget.xlsx") == "no such file or directory: budget.xlsx")
        #expect(await missing("ab") == "no such file or directory: ab")
        // A folder outside the readable paths is not listed for hints.
        #expect(await call("filesystem_read", ["path": "/etc/hostnam"], in: scratch).status == .refused)
    }

    // MARK: - filesystem_write

    @Test func writeCreatesFoldersAndSupportsModes() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        #expect(await call("filesystem_write", ["path": "out/summary.txt", "content": "hello"], in: scratch) == .ok("created out/summary.txt (5 bytes)"))
        #expect(await call("filesystem_write", ["path": "out/summary.txt", "content": " world", "mode": "append"], in: scratch)
            == .ok("appended 6 bytes to out/summary.txt"))
        #expect(scratch.read("workspace/out/summary.txt") == "hello world")
        #expect(await call("filesystem_write", ["path": "out/summary.txt", "content": "new"], in: scratch) == .ok("replaced out/summary.txt (3 bytes)"))
        #expect(await call("filesystem_write", ["path": "out/summary.txt", "content": "x", "mode": "create"], in: scratch)
            == .error("out/summary.txt already exists; use mode \"overwrite\" to replace it or \"append\" to add to it"))
        #expect(scratch.read("workspace/out/summary.txt") == "new")
    }

    @Test func writeOutsideIsRefusedAndTouchesNothing() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let target = scratch.path("outside/planted.txt")
        #expect(await call("filesystem_write", ["path": .string(target), "content": "x"], in: scratch)
            == .refused("path \(target) is outside the writable paths of this run (workspace)"))
        #expect(await call("filesystem_write", ["path": "../outside/planted.txt", "content": "x"], in: scratch).status == .refused)
        try scratch.symlink("workspace/dir", to: scratch.path("outside"))
        #expect(await call("filesystem_write", ["path": "dir/planted.txt", "content": "x"], in: scratch)
            == .refused("path dir/planted.txt is refused: dir is a symbolic link, and file tools never follow links (writable paths of this run: workspace)"))
        #expect(!scratch.exists("outside/planted.txt"))

        var readOnly = CapabilityPolicy.default
        readOnly.writablePaths = []
        #expect(await call("filesystem_write", ["path": "a.txt", "content": "x"], in: scratch, policy: readOnly)
            == .refused("path a.txt is outside the writable paths of this run (none)"))
        #expect(!scratch.exists("workspace/a.txt"))
    }

    // MARK: - filesystem_search

    @Test func searchFindsFilesByGlob() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("a", to: "workspace/a.py")
        try scratch.write("b", to: "workspace/pkg/b.py")
        try scratch.write("c", to: "workspace/pkg/deep/c.txt")
        try scratch.write("d", to: "workspace/notes.txt")
        try scratch.write("e", to: "workspace/.git/x.py")

        #expect(await call("filesystem_search", ["glob": "*.py"], in: scratch) == .ok("a.py\npkg/b.py\n[2 files]"))
        #expect(await call("filesystem_search", ["glob": "**/*.txt"], in: scratch) == .ok("notes.txt\npkg/deep/c.txt\n[2 files]"))
        #expect(await call("filesystem_search", ["glob": "pkg/*.py"], in: scratch) == .ok("pkg/b.py\n[1 file]"))
        #expect(await call("filesystem_search", ["path": "pkg", "glob": "*"], in: scratch) == .ok("pkg/b.py\npkg/deep/c.txt\n[2 files]"))
        #expect(await call("filesystem_search", ["glob": "*.rs"], in: scratch) == .ok("[no files matching *.rs in .]"))
        #expect(await call("filesystem_search", [:], in: scratch) == .error("give \"glob\" (like \"*.py\"), \"text\" (a word to find), or both"))
    }

    @Test func searchFindsLinesContainingText() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("import os\n# TODO: tidy\nprint(1)\n", to: "workspace/a.py")
        try scratch.write("TODO first\nnothing\nTODO again\n", to: "workspace/notes/todo.txt")
        try scratch.write("todo lower case\n", to: "workspace/lower.txt")
        try scratch.write("TODO secret outside\n", to: "outside/secret.txt")
        try scratch.symlink("workspace/linked.txt", to: scratch.path("outside/secret.txt"))
        try scratch.symlink("workspace/linkdir", to: scratch.path("outside"))
        try scratch.hardlink("workspace/hard.txt", to: "outside/secret.txt")

        #expect(await call("filesystem_search", ["text": "TODO"], in: scratch) == .ok("""
            a.py:2: # TODO: tidy
            notes/todo.txt:1: TODO first
            notes/todo.txt:3: TODO again
            [3 matching lines in 2 files; 1 file skipped (unreadable or hard-linked)]
            """))
        #expect(await call("filesystem_search", ["text": "TODO", "glob": "*.py"], in: scratch) == .ok("a.py:2: # TODO: tidy\n[1 matching line in 1 file]"))
        #expect(await call("filesystem_search", ["text": "absent"], in: scratch)
            == .ok("[no lines containing \"absent\" in .; 1 file skipped (unreadable or hard-linked)]"))
        #expect(await call("filesystem_search", ["text": "TODO", "path": "/etc"], in: scratch).status == .refused)
    }

    @Test("a search that finds nothing is tried as the model may have meant it, and says so")
    func searchAsMeant() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("ERROR disk full\nok\n", to: "workspace/logs/app.log")
        try scratch.write("Error: timeout\n", to: "workspace/logs/db.log")
        try scratch.write("fine\n", to: "workspace/readme.txt")

        // A regular expression given as the glob is read as one, over file names.
        #expect(await call("filesystem_search", ["glob": ".*\\.log$"], in: scratch) == .ok("""
            logs/app.log
            logs/db.log
            [2 files]
            [the pattern .*\\.log$ was read as a regular expression over file names]
            """))
        #expect(await call("filesystem_search", ["glob": ".*\\.(txt|md)$", "text": "fine"], in: scratch) == .ok("""
            readme.txt:1: fine
            [1 matching line in 1 file]
            [the pattern .*\\.(txt|md)$ was read as a regular expression over file names]
            """))
        // A glob that matches nothing is not taken for an expression.
        #expect(await call("filesystem_search", ["glob": "*.csv"], in: scratch) == .ok("[no files matching *.csv in .]"))
        // A glob that names no file is left out when there is text to find (the word was put in both).
        #expect(await call("filesystem_search", ["glob": "timeout.*", "text": "timeout"], in: scratch) == .ok("""
            logs/db.log:1: Error: timeout
            [1 matching line in 1 file]
            [no file name matches timeout.*, so every file was searched]
            """))
        // A glob that names files keeps the search to them.
        #expect(await call("filesystem_search", ["glob": "*.txt", "text": "timeout"], in: scratch) == .ok("[no files matching *.txt with lines containing \"timeout\" in .]"))
        // Text in another case is found when the exact text is not, and the result says so.
        #expect(await call("filesystem_search", ["text": "error"], in: scratch) == .ok("""
            logs/app.log:1: ERROR disk full
            logs/db.log:1: Error: timeout
            [2 matching lines in 2 files]
            [no line contains "error" exactly as written; these contain it in another case]
            """))
        // An exact match wins: no retry, no note.
        #expect(await call("filesystem_search", ["text": "ERROR"], in: scratch) == .ok("logs/app.log:1: ERROR disk full\n[1 matching line in 1 file]"))
        // Text written as a regular expression is told how text is matched.
        #expect(await call("filesystem_search", ["text": "ERROR.*full"], in: scratch) == .ok("""
            [no lines containing "ERROR.*full" in .]
            [text is matched as written, not as a regular expression: search for a plain word of it]
            """))
    }

    @Test func searchStopsAtItsBound() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write(String(repeating: "hit\n", count: 50), to: "workspace/many.txt")
        let small = try ToolRegistry([FilesystemSearchTool(maxMatches: 10)])
        let result = await small.call(ToolCall(id: "1", name: "filesystem_search", arguments: ["text": "hit"]), context: scratch.context()).result
        #expect(result.truncated)
        #expect(result.content.hasSuffix("many.txt:10: hit\n[10 matching lines in 1 file; the search stopped early: narrow the path or the pattern]"))
    }
}
