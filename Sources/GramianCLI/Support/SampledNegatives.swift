import Foundation
import Gramian

/// Reads the sampled-protocol file: one line per test case,
/// `user positive negative negative ...` (whitespace separated ids).
enum SampledNegatives {
  static func read(_ path: String, userIds: IdMap, itemIds: IdMap) throws -> ([(user: Int32, item: Int32)], [[Int32]]) {
    var positives: [(user: Int32, item: Int32)] = []
    var negatives: [[Int32]] = []
    for line in try TextFile.lines(path, what: "negatives file") {
      let fields = FieldSplitter.fields(of: line.text, delimiter: .whitespace)
      guard fields.count >= 3 else {
        throw DataError(.malformedLine, file: path, line: line.line, "expected 'user positive negative ...' with at least one negative, found \(fields.count) fields")
      }
      guard let u = userIds.index(of: fields[0]) else {
        throw DataError(.badFormat, file: path, line: line.line, column: 1, "user '\(fields[0])' is not in the training data")
      }
      var items: [Int32] = []
      for (c, f) in fields.dropFirst().enumerated() {
        guard let i = itemIds.index(of: f) else {
          throw DataError(.badFormat, file: path, line: line.line, column: c + 2, "item '\(f)' is not in the training data")
        }
        items.append(i)
      }
      positives.append((u, items[0]))
      negatives.append(Array(items.dropFirst()))
    }
    guard !positives.isEmpty else { throw DataError(.emptyFile, file: path, "has no test cases") }
    return (positives, negatives)
  }
}
