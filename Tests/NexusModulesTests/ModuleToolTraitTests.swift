import Foundation
import NexusCore
import NexusModules
import Testing

@Suite("Installed modules as tools")
struct ModuleToolTraitTests {
    @Test("a module that may only read is offered for questions like the built-in tools that observe; one that may write is not")
    func observingModules() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try await home.release("reader", body: "return {}", capabilities: ["tools": ["filesystem_read"], "read": ["."]])
        try await home.release("writer", body: "return {}", capabilities: ["tools": ["filesystem_write"], "write": ["."]])
        let tools = try home.runtime.installedTools()
        #expect(tools.first { $0.name == "reader" }?.onlyObserves == true)
        #expect(tools.first { $0.name == "writer" }?.onlyObserves == false)
    }
}
