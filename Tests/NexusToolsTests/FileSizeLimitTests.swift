import Foundation
import NexusCore
import NexusTools
import Testing

@Suite("In-process writes are bounded like sandboxed ones")
struct FileSizeLimitTests {
    @Test("appending cannot grow a file past the most a file tool writes (1 GiB), and the refusal says so")
    func appendsAreBounded() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let file = scratch.workspace.appendingPathComponent("log.txt")
        // A sparse file just under the limit: no disk is used.
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(1 << 30) - 10)
        try handle.close()
        let registry = try ToolRegistry([FilesystemWriteTool()])
        let result = await registry.call(ToolCall(id: "1", name: "filesystem_write",
                                                  arguments: ["path": "log.txt", "content": "more than ten bytes of text", "mode": "append"]),
                                         context: scratch.context(.default)).result
        #expect(result.status == .error)
        #expect(result.content.contains("larger than 1024 MiB"))
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber
        #expect(size?.intValue == (1 << 30) - 10)
    }
}
