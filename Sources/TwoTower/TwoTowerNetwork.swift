import LinearAlgebra

/// Which embedding tables a model has, as indices into its table list.
struct TableLayout: Codable, Equatable, Sendable {
  var userId: Int?
  var itemId: Int
  var userFeatures: Int?
  var itemFeatures: Int?
  /// The history table: `itemId` when shared, its own table otherwise.
  var history: Int?
  /// Rows of each table.
  var rows: [Int]

  init(users: Int, items: Int, userFeatureValues: Int?, itemFeatureValues: Int?, config: TwoTowerConfig) {
    var rows: [Int] = []
    func add(_ n: Int) -> Int { rows.append(n); return rows.count - 1 }
    userId = config.userIdEmbedding ? add(users) : nil
    let item = add(items)
    itemId = item
    userFeatures = userFeatureValues.map(add)
    itemFeatures = itemFeatureValues.map(add)
    history = config.history > 0 ? (config.shareHistoryTable ? item : add(items)) : nil
    self.rows = rows
  }

  /// The item tower's tables.
  var itemTables: [Int] { [itemId, itemFeatures].compactMap { $0 } }

  /// True when no table feeds both towers (history pooling in its own table,
  /// or none): then each tower's table gradients can be formed separately.
  var towersShareNoTable: Bool {
    Set([userId, userFeatures, history].compactMap { $0 }).isDisjoint(with: itemTables)
  }
}

/// The parameters of both towers in scalar type `T`, and the loss of a
/// batch with its gradients: the one code path for float32 training and
/// the float64 reference that finite differences check.
struct TwoTowerNetwork<T: TowerScalar> {
  var layout: TableLayout
  var embeddingDim: Int
  /// Embedding tables, row-major `layout.rows[t] x embeddingDim`.
  var tables: [[T]]
  var query: DenseStack<T>
  var item: DenseStack<T>

  var outputDim: Int { query.outputDim }

  /// Every parameter array by name (see ``TwoTowerParameter``), tables
  /// first, then the query and item layers.
  var parameters: [TwoTowerParameter] {
    var out: [TwoTowerParameter] = []
    let names: [(Int?, String)] = [(layout.userId, "user_id"), (layout.itemId, "item_id"),
                                   (layout.userFeatures, "user_features"), (layout.itemFeatures, "item_features"),
                                   (layout.history == layout.itemId ? nil : layout.history, "history")]
    for case let (t?, name) in names {
      out.append(TwoTowerParameter(name: name, rows: layout.rows[t], columns: embeddingDim, values: tables[t].map { Float($0) }))
    }
    for (tower, stack) in [("query", query), ("item", item)] {
      for l in 0..<stack.layerCount {
        out.append(TwoTowerParameter(name: "\(tower)_dense\(l)_kernel", rows: stack.widths[l], columns: stack.widths[l + 1],
                                     values: stack.weights[l].map { Float($0) }))
        out.append(TwoTowerParameter(name: "\(tower)_dense\(l)_bias", rows: 1, columns: stack.widths[l + 1],
                                     values: stack.biases[l].map { Float($0) }))
      }
    }
    return out
  }

  /// Tables uniform in `[-initScale, initScale]`, MLPs Glorot-uniform.
  init(layout: TableLayout, config: TwoTowerConfig) {
    var rng = SeededGeneratorBox(seed: config.seed, stream: 100)
    self.layout = layout
    embeddingDim = config.embeddingDim
    let s = Double(config.initScale)
    tables = layout.rows.map { n in
      (0..<(n * config.embeddingDim)).map { _ in T(s * (2 * rng.g.nextUnit() - 1)) }
    }
    query = DenseStack(input: config.embeddingDim, layers: config.layers, normalize: config.normalize, rng: &rng.g)
    item = DenseStack(input: config.embeddingDim, layers: config.layers, normalize: config.normalize, rng: &rng.g)
  }

  init(layout: TableLayout, embeddingDim: Int, tables: [[T]], query: DenseStack<T>, item: DenseStack<T>) {
    self.layout = layout; self.embeddingDim = embeddingDim; self.tables = tables; self.query = query; self.item = item
  }

  /// The gradients of one batch: sparse rows per table, dense per layer.
  struct Gradients {
    var tables: [SparseRows<T>]
    var query: DenseStack<T>.Gradients
    var item: DenseStack<T>.Gradients
  }

  func zeroGradients() -> Gradients {
    Gradients(tables: layout.rows.map { SparseRows(rows: $0, width: embeddingDim) },
              query: query.zeroGradients(), item: item.zeroGradients())
  }

  /// Tower outputs for bags (`count x outputDim`), e.g. to embed all users.
  func embed(_ bags: EmbeddingBags<T>, tower: DenseStack<T>, threads: Int = 1) -> [T] {
    tower.forward(bags.gather(tables, width: embeddingDim, threads: threads), rows: bags.count, threads: threads).output
  }
}

/// A box so the generator can be passed `inout` as `some RandomNumberGenerator`.
struct SeededGeneratorBox {
  var g: SeededGenerator
  init(seed: UInt64, stream: UInt64) { g = SeededGenerator(seed: seed, stream: stream) }
}
