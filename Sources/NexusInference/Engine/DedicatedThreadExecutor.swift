import Foundation

/// A serial executor that runs its jobs on one thread of its own.
///
/// The engine actor runs on it so that blocking llama.cpp calls (`llama_decode`) never occupy a
/// thread of Swift's cooperative pool, and every C pointer is touched from one thread only.
final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(name: String) {
        // The thread holds the executor until `shutdown()` lets it end.
        let thread = Thread { self.run() }
        thread.name = name
        // llama.cpp's graph building is recursive and likes a roomy stack.
        thread.stackSize = 16 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    /// Whether jobs wait to run: other work queued on the actor (a submission, a cancellation).
    var hasWaitingJobs: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !jobs.isEmpty
    }

    /// Lets the thread end once its queue is empty.
    func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped {
                condition.wait()
            }
            if jobs.isEmpty && stopped {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch {
                job.runSynchronously(on: asUnownedSerialExecutor())
            }
        }
    }
}
