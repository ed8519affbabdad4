import NexusCore
@testable import NexusPolicyTOML

/// libFuzzer entry point: any text as a policy file in Nexus's TOML subset. Text outside the subset
/// must be a `Failure` naming a line, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    if let (document, _) = try? TOMLSubset.parse(text) {
        _ = JSONValue.object(document).jsonText
    }
    return 0
}
