import Dispatch
import Foundation

/// Turns the first Ctrl-C into a callback (so work can stop cleanly); a second one exits at once.
final class InterruptHandler: @unchecked Sendable {
    private var source: (any DispatchSourceSignal)?
    private var interrupted = false

    func onInterrupt(_ action: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .main)
        source.setEventHandler { [unowned self] in
            if self.interrupted { exit(130) }
            self.interrupted = true
            FileHandle.standardError.write(Data("\nstopping; the run is kept and can be resumed\n".utf8))
            action()
        }
        source.resume()
        self.source = source
    }
}
