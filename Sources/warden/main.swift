import NIOCore
import NIOPosix

// Run Swift concurrency on NIO's event loops: request handlers, the upstream client and the HTTP
// server then share threads instead of hopping between two pools (a large CPU saving per request).
// Must happen before the first task is created.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

await Warden.main()
