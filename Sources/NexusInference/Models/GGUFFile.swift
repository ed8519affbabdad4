public import Foundation
public import NexusCore

/// The metadata of a GGUF model file, read from its header without loading the weights.
public struct GGUFFile: Sendable, Hashable {
    public var architecture: String
    public var name: String?
    /// Total weights, summed over the tensor shapes.
    public var parameterCount: UInt64
    /// The quantization of most tensors, e.g. "Q4_K_M".
    public var quantization: String
    /// The context length the model was trained for.
    public var contextLength: Int?
    public var hasChatTemplate: Bool

    /// Reads the header of the GGUF file at `url`.
    /// - Throws: `NexusError` `.modelNotFound` if the file is missing, `.modelLoadFailed` if it is
    ///   not a well-formed GGUF file.
    public init(contentsOf url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw NexusError(.modelNotFound, "model file \(path) does not exist; check the path or run `nexus models list`")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw NexusError(.modelLoadFailed, "cannot read model file \(path): \(error.localizedDescription)")
        }
        try self.init(header: data, path: path)
    }

    /// Reads the header of GGUF bytes already in memory (a mapped file, a fuzzer's input).
    /// - Parameters:
    ///   - data: The file's bytes; only the header is read.
    ///   - path: What to call the bytes in an error message.
    /// - Throws: `NexusError` `.modelLoadFailed` naming what is malformed.
    public init(header data: Data, path: String) throws {
        do {
            var reader = GGUFReader(data: data)
            self = try reader.readHeader()
        } catch let error as GGUFReader.Malformed {
            throw NexusError(.modelLoadFailed, "\(path) is not a valid GGUF model (\(error.reason)); re-download it or pick another file")
        }
    }

    init(architecture: String, name: String?, parameterCount: UInt64, quantization: String, contextLength: Int?, hasChatTemplate: Bool) {
        self.architecture = architecture
        self.name = name
        self.parameterCount = parameterCount
        self.quantization = quantization
        self.contextLength = contextLength
        self.hasChatTemplate = hasChatTemplate
    }

    /// Parameters in the short form model cards use: "135M", "494M", "1.5B".
    public var parameterSize: String {
        let count = Double(parameterCount)
        if count >= 1e9 { return String(format: "%.1fB", count / 1e9) }
        return String(format: "%.0fM", count / 1e6)
    }

    /// llama.cpp's file-type ids (`general.file_type`) and their names.
    static let fileTypeNames: [UInt32: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
        11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M",
        18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S",
        25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M",
        32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4",
    ]
}

/// A cursor over GGUF bytes (little-endian, version 2 and 3).
///
/// The bytes are untrusted (a file from `/api/create` or a download), so every count is checked
/// against the bytes that remain before it is used, every integer that leaves the file is
/// converted with a range check, and nothing recurses: an array of arrays is refused, as
/// llama.cpp's own reader refuses it.
struct GGUFReader {
    struct Malformed: Error { var reason: String }

    /// The largest context length accepted: llama.cpp keeps it in a 32-bit signed integer.
    static let maximumContextLength = UInt64(Int32.max)
    /// The fewest bytes a metadata entry takes: an empty key (8), its type (4) and a one-byte value.
    private static let smallestKeyEntry = 13
    /// The fewest bytes a tensor entry takes: an empty name (8), no dimensions (4), type (4), offset (8).
    private static let smallestTensorEntry = 24

    private let data: Data
    private var offset: Int

    init(data: Data) {
        self.data = data
        self.offset = data.startIndex
    }

    private var remaining: Int { data.endIndex - offset }

    mutating func readHeader() throws -> GGUFFile {
        guard data.count >= 24, try readBytes(4) == Data("GGUF".utf8) else {
            throw Malformed(reason: "the file does not start with the GGUF magic")
        }
        let version = try read(UInt32.self)
        guard version == 2 || version == 3 else { throw Malformed(reason: "unsupported GGUF version \(version)") }
        let tensorCount = try read(UInt64.self)
        let keyCount = try read(UInt64.self)
        try requireRoom(for: keyCount, of: Self.smallestKeyEntry, what: "metadata entries")
        try requireRoom(for: tensorCount, of: Self.smallestTensorEntry, what: "tensors")

        var strings: [String: String] = [:]
        var integers: [String: UInt64] = [:]
        for _ in 0..<keyCount {
            let key = try readString()
            let type = try read(UInt32.self)
            switch try readValue(type: type) {
            case .string(let value): strings[key] = value
            case .integer(let value): integers[key] = value
            case .other: break
            }
        }
        var parameters: UInt64 = 0
        for _ in 0..<tensorCount {
            _ = try readString()
            let dimensions = try read(UInt32.self)
            guard dimensions <= 8 else { throw Malformed(reason: "a tensor has \(dimensions) dimensions") }
            var elements: UInt64 = 1
            for _ in 0..<dimensions { elements &*= try read(UInt64.self) }
            _ = try read(UInt32.self)  // tensor type
            _ = try read(UInt64.self)  // data offset
            parameters &+= elements
        }
        let architecture = strings["general.architecture"] ?? "unknown"
        let fileType = integers["general.file_type"].map { UInt32(truncatingIfNeeded: $0) }
        return GGUFFile(
            architecture: architecture,
            name: strings["general.name"],
            parameterCount: parameters,
            quantization: fileType.flatMap { GGUFFile.fileTypeNames[$0] } ?? "unknown",
            contextLength: try integers["\(architecture).context_length"].map(Self.contextLength),
            hasChatTemplate: strings["tokenizer.chat_template"] != nil
        )
    }

    /// A context length as an `Int`, refusing values no model has (a negative one read as unsigned, 2^64 − 1).
    private static func contextLength(_ value: UInt64) throws -> Int {
        guard value <= maximumContextLength, let length = Int(exactly: value) else {
            throw Malformed(reason: "the context length \(value) is out of range (at most \(maximumContextLength))")
        }
        return length
    }

    private enum Value { case string(String), integer(UInt64), other }

    private mutating func readValue(type: UInt32) throws -> Value {
        switch type {
        case 9:
            let elementType = try read(UInt32.self)
            let count = try read(UInt64.self)
            try skipArray(of: elementType, count: count)
            return .other
        default:
            return try readScalar(type: type)
        }
    }

    private mutating func readScalar(type: UInt32) throws -> Value {
        switch type {
        case 0, 1, 7: return .integer(UInt64(try read(UInt8.self)))
        case 2, 3: return .integer(UInt64(try read(UInt16.self)))
        case 4, 5: return .integer(UInt64(try read(UInt32.self)))
        case 6: _ = try read(UInt32.self); return .other
        case 8: return .string(try readString())
        case 9: throw Malformed(reason: "an array holds arrays, which GGUF readers do not accept")
        case 10, 11: return .integer(try read(UInt64.self))
        case 12: _ = try read(UInt64.self); return .other
        default: throw Malformed(reason: "unknown metadata type \(type)")
        }
    }

    /// Moves past an array's elements, which the header summary does not need.
    private mutating func skipArray(of elementType: UInt32, count: UInt64) throws {
        if let width = Self.fixedWidth[elementType] {
            try requireRoom(for: count, of: width, what: "array elements")
            try skip(Int(count) * width)
        } else {
            // Strings take at least their 8-byte length each.
            try requireRoom(for: count, of: 8, what: "array elements")
            for _ in 0..<count { _ = try readScalar(type: elementType) }
        }
    }

    private static let fixedWidth: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]

    /// Refuses a count of entries that cannot fit in the bytes left, before any loop or multiplication uses it.
    private func requireRoom(for count: UInt64, of width: Int, what: String) throws {
        guard count <= UInt64(remaining / width) else {
            throw Malformed(reason: "\(count) \(what) cannot fit in the \(remaining) bytes that remain")
        }
    }

    private mutating func readString() throws -> String {
        let length = try read(UInt64.self)
        guard length < 1 << 26 else { throw Malformed(reason: "a string of \(length) bytes") }
        return String(decoding: try readBytes(Int(length)), as: UTF8.self)
    }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { throw Malformed(reason: "the header is cut short") }
        var value: T = 0
        _ = withUnsafeMutableBytes(of: &value) { buffer in
            data.copyBytes(to: buffer, from: offset..<offset + size)
        }
        offset += size
        return T(littleEndian: value)
    }

    private mutating func readBytes(_ count: Int) throws -> Data {
        guard count >= 0, count <= remaining else { throw Malformed(reason: "the header is cut short") }
        defer { offset += count }
        return data[offset..<offset + count]
    }

    private mutating func skip(_ count: Int) throws {
        guard count >= 0, count <= remaining else { throw Malformed(reason: "the header is cut short") }
        offset += count
    }
}
