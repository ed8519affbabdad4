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
struct GGUFReader {
    struct Malformed: Error { var reason: String }

    private let data: Data
    private var offset: Int

    init(data: Data) {
        self.data = data
        self.offset = data.startIndex
    }

    mutating func readHeader() throws -> GGUFFile {
        guard data.count >= 24, try readBytes(4) == Data("GGUF".utf8) else {
            throw Malformed(reason: "the file does not start with the GGUF magic")
        }
        let version = try read(UInt32.self)
        guard version == 2 || version == 3 else { throw Malformed(reason: "unsupported GGUF version \(version)") }
        let tensorCount = try read(UInt64.self)
        let keyCount = try read(UInt64.self)
        guard tensorCount < 1_000_000, keyCount < 1_000_000 else { throw Malformed(reason: "implausible header counts") }

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
            contextLength: integers["\(architecture).context_length"].map { Int($0) },
            hasChatTemplate: strings["tokenizer.chat_template"] != nil
        )
    }

    private enum Value { case string(String), integer(UInt64), other }

    private mutating func readValue(type: UInt32) throws -> Value {
        switch type {
        case 0, 1, 7: return .integer(UInt64(try read(UInt8.self)))
        case 2, 3: return .integer(UInt64(try read(UInt16.self)))
        case 4, 5: return .integer(UInt64(try read(UInt32.self)))
        case 6: _ = try read(UInt32.self); return .other
        case 8: return .string(try readString())
        case 9:
            let elementType = try read(UInt32.self)
            let count = try read(UInt64.self)
            guard count < UInt64(data.count) else { throw Malformed(reason: "an array runs past the end of the file") }
            if let width = Self.fixedWidth[elementType] {
                try skip(Int(count) * width)
            } else {
                for _ in 0..<count { _ = try readValue(type: elementType) }
            }
            return .other
        case 10, 11: return .integer(try read(UInt64.self))
        case 12: _ = try read(UInt64.self); return .other
        default: throw Malformed(reason: "unknown metadata type \(type)")
        }
    }

    private static let fixedWidth: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]

    private mutating func readString() throws -> String {
        let length = try read(UInt64.self)
        guard length < 1 << 26 else { throw Malformed(reason: "a string of \(length) bytes") }
        return String(decoding: try readBytes(Int(length)), as: UTF8.self)
    }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= data.endIndex else { throw Malformed(reason: "the header is cut short") }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { buffer in
            data.copyBytes(to: buffer, from: offset..<offset + size)
        }
        offset += size
        return T(littleEndian: value)
    }

    private mutating func readBytes(_ count: Int) throws -> Data {
        guard count >= 0, offset + count <= data.endIndex else { throw Malformed(reason: "the header is cut short") }
        defer { offset += count }
        return data[offset..<offset + count]
    }

    private mutating func skip(_ count: Int) throws {
        guard count >= 0, offset + count <= data.endIndex else { throw Malformed(reason: "the header is cut short") }
        offset += count
    }
}
