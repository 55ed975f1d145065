import Foundation
import Synchronization
import Testing
@testable import Store
#if canImport(Glibc)
import Glibc
#endif

@Suite struct BackgroundWriterThreadTests {
    struct Boom: Error {}
    final class Log: Sendable { let values = Mutex<[Int]>([]) }

    @Test func runsJobsInOrderAndReturnsTheirResults() async throws {
        let thread = BackgroundWriterThread(name: "test-writer")
        let log = Log()
        for i in 0..<10 {
            let value = try await thread.run { log.values.withLock { $0.append(i) }; return i * 2 }
            #expect(value == i * 2)
        }
        // Many callers at once: every job runs exactly once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 10..<30 { group.addTask { try await thread.run { log.values.withLock { $0.append(i) } } } }
            try await group.waitForAll()
        }
        let values = log.values.withLock { $0 }
        #expect(Array(values.prefix(10)) == Array(0..<10))
        #expect(values.sorted() == Array(0..<30))
    }

    @Test func errorsReachTheCaller() async {
        let thread = BackgroundWriterThread(name: "test-writer")
        await #expect(throws: Boom.self) { try await thread.run { throw Boom() } }
        // The thread survives a failed job.
        #expect((try? await thread.run { 7 }) == 7)
    }

    #if os(Linux)
    @Test func jobsRunBelowTheCallersPriority() async throws {
        let thread = BackgroundWriterThread(name: "test-writer", niceness: 5)
        let mine = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let theirs = try await thread.run { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
        #expect(theirs == min(19, mine + 5))
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == mine)
    }
    #endif

    @Test func aStoppedThreadRefusesNewJobs() async {
        let thread = BackgroundWriterThread(name: "test-writer")
        thread.stop()
        await #expect(throws: CancellationError.self) { try await thread.run { 1 } }
    }
}
