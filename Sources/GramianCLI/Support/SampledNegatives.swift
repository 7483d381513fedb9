import Foundation
import Gramian

/// Reads the sampled-protocol file: one line per test case,
/// `user positive negative negative ...` (whitespace separated ids).
enum SampledNegatives {
  static func read(_ path: String, userIds: IdMap, itemIds: IdMap) throws -> ([(user: Int32, item: Int32)], [[Int32]]) {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw DataError(.unreadable, file: path, "cannot read the negatives file as UTF-8 text", hint: "check the path")
    }
    var positives: [(user: Int32, item: Int32)] = []
    var negatives: [[Int32]] = []
    for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      if fields.isEmpty { continue }
      guard fields.count >= 3 else {
        throw DataError(.malformedLine, file: path, line: n + 1, "expected 'user positive negative ...' with at least one negative, found \(fields.count) fields")
      }
      guard let u = userIds.index(of: String(fields[0])) else {
        throw DataError(.badFormat, file: path, line: n + 1, column: 1, "user '\(fields[0])' is not in the training data")
      }
      var items: [Int32] = []
      for (c, f) in fields.dropFirst().enumerated() {
        guard let i = itemIds.index(of: String(f)) else {
          throw DataError(.badFormat, file: path, line: n + 1, column: c + 2, "item '\(f)' is not in the training data")
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
