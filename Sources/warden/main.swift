import ArgumentParser
import NIOCore
import NIOPosix

// Run Swift concurrency on NIO's event loops: request handlers, the upstream client and the HTTP
// server then share threads instead of hopping between two pools (a large CPU saving per request).
// It must happen before the first task is created, hence this file instead of `@main`.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// Parses the arguments and runs the chosen command (what `AsyncParsableCommand.main()` does).
func runWarden() async {
    do {
        var command = try Warden.parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        Warden.exit(withError: error)
    }
}

await runWarden()
