/// Terms and regular expressions an app blocks in one direction.
/// Terms match case-insensitively on word boundaries; regexes are validated when loaded.
public struct BlockListSpec: Codable, Sendable, Hashable {
    public var terms: [String]
    public var regexes: [String]

    public init(terms: [String] = [], regexes: [String] = []) {
        self.terms = terms
        self.regexes = regexes
    }

    public var isEmpty: Bool { terms.isEmpty && regexes.isEmpty }
}

/// Block lists for input and output.
public struct DirectionalBlockLists: Codable, Sendable, Hashable {
    public var input: BlockListSpec
    public var output: BlockListSpec

    public init(input: BlockListSpec = .init(), output: BlockListSpec = .init()) {
        self.input = input
        self.output = output
    }

    public subscript(direction: PolicyDirection) -> BlockListSpec {
        direction == .input ? input : output
    }
}
