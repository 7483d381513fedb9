import Foundation
import Gramian

/// Reading interaction files the same way in every command: through the
/// library's ``InteractionDataset`` and ``InteractionReader``, with what was
/// skipped, dropped or merged reported on stderr.
enum DatasetLoading {
  /// Reads `path` against fresh id maps.
  static func read(_ path: String, reader: ReaderOptions) throws -> (Interactions, ReadReport) {
    let (x, report) = try InteractionReader.read(path, options: try reader.readOptions())
    report.describe(path).forEach(Console.info)
    return (x, report)
  }

  /// Reads `path` against a model's id maps, dropping (and counting) pairs
  /// with ids the model does not know.
  static func read(_ path: String, reader: ReaderOptions, against model: any Recommender) throws -> InteractionMatrix {
    let (x, report) = try InteractionReader.read(path, options: try reader.readOptions(),
                                                 userIds: model.userIds, itemIds: model.itemIds, addNewIds: false)
    report.describe(path).forEach(Console.info)
    return InteractionMatrix(x, duplicates: reader.duplicates)
  }

  /// The training file, with a test set when `split` asks for one.
  static func load(train path: String, reader: ReaderOptions, split: SplitOptions, seed: UInt64) throws -> InteractionDataset {
    try InteractionDataset.load(path, options: try reader.readOptions(), duplicates: reader.duplicates,
                                test: split.test, split: split.method, seed: seed, log: Console.info)
  }
}
