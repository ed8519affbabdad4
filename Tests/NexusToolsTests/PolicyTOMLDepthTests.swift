import NexusCore
import NexusTools
import Testing

/// A policy file is untrusted text: nesting that would recurse through the stack is refused by line.
@Suite struct PolicyTOMLDepthTests {
    @Test func deeplyNestedArraysAreRefusedNotOverflowed() {
        // Before the bound, one stack frame per '[' crashed the process.
        let text = "read = " + String(repeating: "[", count: 200_000)
        let error = #expect(throws: NexusError.self) { try PolicyFile.parse(text, format: .toml, source: "deep.toml") }
        #expect(error?.code == .invalidPolicy)
        #expect(error?.message.contains("deep.toml line 1: arrays nest deeper than 16 levels") == true)
    }

    @Test func shallowNestingIsStillReadAndJudgedByThePolicyReader() {
        // Two levels parse; the policy reader then names the wrong type.
        let error = #expect(throws: NexusError.self) { try PolicyFile.parse("read = [[\"a\"]]", format: .toml, source: "p.toml") }
        #expect(error?.message.contains("nest deeper") == false)
    }
}
