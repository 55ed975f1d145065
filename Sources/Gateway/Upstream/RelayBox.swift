import WardenCore

/// Holds a stream's relay for the stream's life, so a chunk can be screened on the blocking pool.
/// Only one task touches it at a time (the stream's loop awaits each chunk before the next).
///
/// ```swift
/// let box = RelayBox(StreamRelay(clientWantsUsage: false, collectText: false))
/// if let out = try box.consumeInline(bytes, classifier: tiers) { send(out) }   // settled inline
/// else { send(try await pool.run { try box.relay.consume(bytes) }) }           // needs the encoder
/// ```
final class RelayBox: @unchecked Sendable {
    var relay: StreamRelay
    init(_ relay: StreamRelay) { self.relay = relay }

    /// Feeds `bytes` to a copy of the relay whose policy gate scores with what `classifier` settles
    /// without blocking. If no window needed a blocking call, the copy becomes the relay and its
    /// output is returned; otherwise the relay is left as it was and nil says: feed the same bytes
    /// again where blocking is allowed. (The relay is a value, so the copy costs little: its
    /// buffers are shared until written.)
    func consumeInline(_ bytes: some Collection<UInt8>, classifier: any TextClassifying) throws -> [UInt8]? {
        guard var gate = relay.gate as? PolicyStreamGate else { return try relay.consume(bytes) }
        let attempt = InlineAttempt(classifier)
        var trial = relay
        gate.classifier = attempt
        trial.gate = gate
        func commit() {
            if var used = trial.gate as? PolicyStreamGate { used.classifier = nil; trial.gate = used }
            relay = trial
        }
        do {
            let out = try trial.consume(bytes)
            if attempt.neededBlocking { return nil }
            commit()
            return out
        } catch {
            if attempt.neededBlocking { return nil }
            commit()
            throw error
        }
    }
}
