import Foundation
import NexusCore
import NexusInference
import Testing

/// Hostile GGUF headers: each is refused with `.modelLoadFailed`, never a trap or a stack overflow.
@Suite struct GGUFHeaderTests {
    @Test func aWellFormedHeaderIsRead() throws {
        var file = GGUFBytes(keys: 3)
        file.string("general.architecture", "llama")
        file.string("general.name", "tiny")
        file.uint64("llama.context_length", 4096)
        let header = try GGUFFile(header: file.data, path: "tiny.gguf")
        #expect(header.architecture == "llama")
        #expect(header.name == "tiny")
        #expect(header.contextLength == 4096)
    }

    @Test(arguments: [UInt64.max, UInt64(Int.max), UInt64(Int32.max) + 1, UInt64(UInt32.max)])
    func aContextLengthOutOfRangeIsRefusedNotTrapped(length: UInt64) {
        var file = GGUFBytes(keys: 2)
        file.string("general.architecture", "llama")
        file.uint64("llama.context_length", length)
        let error = #expect(throws: NexusError.self) { try GGUFFile(header: file.data, path: "evil.gguf") }
        #expect(error?.code == .modelLoadFailed)
        #expect(error?.message.contains("context length \(length) is out of range") == true)
    }

    @Test func arraysNestedDeeplyAreRefusedWithoutRecursion() {
        // 200,000 arrays each holding the next: before, one stack frame per level overflowed the stack.
        var file = GGUFBytes(keys: 1)
        file.key("general.nested", type: 9)
        for _ in 0..<200_000 { file.arrayHeader(elementType: 9, count: 1) }
        file.arrayHeader(elementType: 0, count: 0)
        let error = #expect(throws: NexusError.self) { try GGUFFile(header: file.data, path: "nested.gguf") }
        #expect(error?.message.contains("an array holds arrays") == true)
    }

    @Test func countsThatCannotFitInTheFileAreRefusedUpFront() {
        var tooManyKeys = GGUFBytes(keys: 900_000)
        tooManyKeys.string("general.architecture", "llama")
        let error = #expect(throws: NexusError.self) { try GGUFFile(header: tooManyKeys.data, path: "keys.gguf") }
        #expect(error?.message.contains("900000 metadata entries cannot fit") == true)

        var hugeArray = GGUFBytes(keys: 1)
        hugeArray.key("general.tags", type: 9)
        hugeArray.arrayHeader(elementType: 8, count: UInt64.max)
        let arrayError = #expect(throws: NexusError.self) { try GGUFFile(header: hugeArray.data, path: "array.gguf") }
        #expect(arrayError?.message.contains("array elements cannot fit") == true)
    }
}

/// A GGUF version 3 header written field by field, with no tensors.
struct GGUFBytes {
    private(set) var data = Data()

    init(keys: UInt64, tensors: UInt64 = 0) {
        data.append(contentsOf: Array("GGUF".utf8))
        append(UInt32(3))
        append(tensors)
        append(keys)
    }

    mutating func key(_ name: String, type: UInt32) {
        text(name)
        append(type)
    }

    mutating func string(_ name: String, _ value: String) {
        key(name, type: 8)
        text(value)
    }

    mutating func uint64(_ name: String, _ value: UInt64) {
        key(name, type: 10)
        append(value)
    }

    mutating func arrayHeader(elementType: UInt32, count: UInt64) {
        append(elementType)
        append(count)
    }

    private mutating func text(_ value: String) {
        append(UInt64(value.utf8.count))
        data.append(contentsOf: Array(value.utf8))
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
}
