import ArgumentParser
import Classifier
import Eval
import Foundation

/// Options shared by `warden eval` and `warden redteam`: the endpoint, sampling and the run's pace.
struct EndpointOptions: ParsableArguments {
    @Option(help: "API key for the endpoint (default: $WARDEN_EVAL_API_KEY, then $OPENAI_API_KEY).")
    var apiKey: String?

    @Option(help: "Requests in flight at once.")
    var concurrency = 4

    @Option(help: "Retries of a request answered 429/5xx or failing to connect (exponential backoff, retry-after honoured).")
    var maxRetries = 5

    @Option(help: "Seconds to wait for one answer.")
    var timeout = 300.0

    @Option(help: "Sampling temperature.")
    var temperature = 0.7

    @Option(help: "top_p.")
    var topP = 1.0

    @Option(help: "max_tokens of every answer.")
    var maxTokens = 96

    @Option(help: "Base seed; sample i is sent with seed + i.")
    var seed = 1

    @Flag(help: "No progress line on standard error.")
    var quiet = false

    var resolvedKey: String? {
        apiKey ?? ProcessInfo.processInfo.environment["WARDEN_EVAL_API_KEY"] ?? ProcessInfo.processInfo.environment["OPENAI_API_KEY"]
    }

    var params: SamplingParams { SamplingParams(temperature: temperature, topP: topP, maxTokens: maxTokens, seed: seed) }

    func client(_ url: String, key: String? = nil) -> EndpointClient {
        EndpointClient(baseURL: url, apiKey: key ?? resolvedKey, retry: RetryPolicy(maxRetries: maxRetries),
                       timeoutSeconds: timeout, maxConnections: max(concurrency, 1))
    }

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1 (got \(concurrency))") }
        guard maxRetries >= 0 else { throw ValidationError("--max-retries must be 0 or more (got \(maxRetries))") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1 (got \(maxTokens))") }
        guard (0...2).contains(temperature) else { throw ValidationError("--temperature must be in [0, 2] (got \(temperature))") }
    }
}

/// Prints an error on standard error and returns the exit code to throw.
func fail(_ message: String, code: Int32) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(code)
}

func loadEvalClassifier(_ path: String?) throws -> ContentClassifier {
    do {
        return try path.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) } ?? ContentClassifier.bundled()
    } catch {
        throw fail("\(error)", code: 66)
    }
}

func makeDirectory(_ path: String) throws {
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
        throw fail("cannot create the output directory \(path): \(error.localizedDescription)", code: 73)
    }
}
