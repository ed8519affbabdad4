import Foundation
import NexusCore
import NexusGGUF

/// libFuzzer entry point: any bytes as a GGUF model header, as `/api/create` and the catalog read one.
/// A malformed header must be a `NexusError`, never a trap, an overflow or a runaway loop.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(UnsafeBufferPointer(start: start, count: count))
    do {
        let header = try GGUFFile(header: data, path: "fuzz.gguf")
        _ = header.parameterSize
    } catch is NexusError {
        // Refused with a message: the expected outcome for most inputs.
    } catch {
        fatalError("GGUFFile threw something other than a NexusError: \(error)")
    }
    return 0
}
