import Hummingbird
import NIOCore
import WardenCore

extension Request {
    /// Reads the whole body, refusing more than `limit` bytes with 413 `request_too_large`.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw OpenAIError.bodyTooLarge(limit: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw OpenAIError.bodyTooLarge(limit: limit)
        }
    }
}
