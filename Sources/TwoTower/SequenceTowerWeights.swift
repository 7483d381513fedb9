import LinearAlgebra

/// The trained weights of the attention history tower, as a model file
/// holds them: the encoder's dense arrays in ``SequenceEncoder`` order
/// (named by ``names``), and the history's own item table when it does not
/// read the item tower's.
public struct SequenceTowerWeights: Sendable, Equatable {
  public var names: [String]
  public var parameters: [[Float]]
  /// `items x d`, or nil when the history reads the item embeddings.
  public var historyTable: Matrix?

  public init(names: [String], parameters: [[Float]], historyTable: Matrix?) {
    self.names = names; self.parameters = parameters; self.historyTable = historyTable
  }

  init(_ network: SequenceNetwork<Float>) {
    names = network.encoder.names
    parameters = network.encoder.params
    historyTable = network.historyTable.map { Matrix(rows: network.itemCount, columns: network.d, storage: $0) }
  }
}
