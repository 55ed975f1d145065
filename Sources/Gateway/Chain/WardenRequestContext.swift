import Foundation
import Hummingbird
import Policy
import Store
import Synchronization
import WardenCore

/// Who is calling: established by `Authenticate`.
public struct Principal: Sendable, Equatable {
    public var orgId: String
    public var appId: String
    public var keyId: String
}

/// What a request knows as it moves down the chain. Each step reads what earlier steps
/// established and adds what it learns. Facts the `RecordUsage` step needs after the response
/// (which outer steps cannot read from inner copies of this value) go to the shared `meter`.
public struct WardenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `req_…`, echoed as `x-request-id`.
    public var requestID: String
    /// When the request arrived (for latency).
    public var receivedAt: ContinuousClock.Instant
    /// The caller, once authenticated.
    public var principal: Principal?
    /// The end user of the calling app, from the `user` field or the `X-Warden-End-User` header.
    public var endUser: String?
    /// The parsed, validated model call, once read.
    public var call: ModelCall?
    /// Facts for the usage record, shared by every step of this request.
    public let meter: UsageMeter
    /// The app's effective content policy, once `ApplyPolicy` ran.
    public var policy: CompiledPolicy?
    /// System messages `ApplyPolicy` put before the client's (not screened as client input).
    public var injectedMessages = 0
    /// Screens the model's output as the forwarder relays it (installed by `ScreenOutput`).
    public var outputScreen: OutputScreen?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = Identifier.make(.req, length: 20)
        receivedAt = .now
        meter = UsageMeter()
    }

    /// Bodies are read by the chain with its own limit (`server.max_body_bytes`).
    public var maxUploadSize: Int { .max }
}

/// Facts about one request gathered for its usage record, safe to update from any step or task.
///
/// ```swift
/// context.meter.update { $0.model = "smollm2" }
/// ```
public final class UsageMeter: Sendable {
    public struct Facts: Sendable {
        public var principal: Principal?
        public var endUser: String?
        public var model: String?
        public var upstream: String?
        public var stream = false
        public var promptTokens: Int?
        public var completionTokens: Int?
        public var tokensEstimated = false
        public var firstByteAt: ContinuousClock.Instant?
        /// An error that happened after the response head was sent (stream broken, client gone).
        public var lateErrorCode: String?
        public var errorCode: String?
        public var promptText: String?
        public var completionText: String?
        /// What the request cost in micro-units, when its model has a price.
        public var costMicros: Int64?
        /// Headers a step wants on the response, whatever it turns out to be (`x-ratelimit-*`).
        public var responseHeaders: [(name: String, value: String)] = []
        /// The policy version the request was decided under and its screening decisions.
        public var policyVersion: String?
        public var inputDecision: DecisionRecord?
        public var outputDecision: DecisionRecord?
    }

    public typealias Finisher = @Sendable (inout Facts) -> Void

    private let facts = Mutex(Facts())
    private let finishers = Mutex<[Finisher]?>([])

    public init() {}

    deinit {
        // A request dropped before its response was written still gives back what it holds.
        finish()
    }

    public func update(_ body: (inout Facts) -> Void) {
        facts.withLock { body(&$0) }
    }

    public var snapshot: Facts { facts.withLock { $0 } }

    /// Registers work to run once when the request ends (its body written, failed or dropped),
    /// before the usage record is taken: e.g. the limits step reconciling what it reserved.
    public func onFinish(_ finisher: @escaping Finisher) {
        let added = finishers.withLock { list -> Bool in
            guard list != nil else { return false }
            list!.append(finisher)
            return true
        }
        if !added { update(finisher) }
    }

    /// Runs the finishers, once; later calls do nothing.
    public func finish() {
        guard let list = finishers.withLock({ list -> [Finisher]? in defer { list = nil }; return list }) else { return }
        for finisher in list { update(finisher) }
    }
}
