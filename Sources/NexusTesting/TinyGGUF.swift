public import Foundation

/// The smallest well-formed GGUF file: a header with no tensors and one `general.name`, so tests
/// get model files whose contents (and digests) differ by their name, without a real model.
public enum TinyGGUF {
    /// The bytes of a GGUF v3 file whose `general.name` is `name`.
    public static func bytes(named name: String) -> Data {
        var data = Data("GGUF".utf8)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        func append(string: String) {
            append(UInt64(string.utf8.count))
            data.append(contentsOf: Array(string.utf8))
        }
        append(UInt32(3))   // version
        append(UInt64(0))   // tensors
        append(UInt64(1))   // metadata keys
        append(string: "general.name")
        append(UInt32(8))   // string
        append(string: name)
        return data
    }

    /// Writes such a file at `url` and returns its path.
    @discardableResult
    public static func write(named name: String, to url: URL) throws -> String {
        try bytes(named: name).write(to: url)
        return url.path
    }
}
