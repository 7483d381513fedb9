import Evaluation
import LinearAlgebra
import XCTest

/// TopK.select against a full sort of the same row.
final class TopKTests: XCTestCase {
  /// The reference: sort all non-excluded indices by (score desc, index asc).
  func fullSort(_ scores: [Float], k: Int, exclude: Set<Int32>) -> [Int32] {
    let candidates = (0..<Int32(scores.count)).filter { !exclude.contains($0) }
    let sorted = candidates.sorted { a, b in
      scores[Int(a)] > scores[Int(b)] || (scores[Int(a)] == scores[Int(b)] && a < b)
    }
    return Array(sorted.prefix(max(0, k)))
  }

  /// Rows of up to 300 scores, and every tenth of up to 3,500 (several
  /// chunks of the SIMD threshold scan), under every kernel build.
  func testAgainstFullSortOnRandomRows() {
    defer { Kernels.force(nil) }
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      checkRandomRows("\(build)")
    }
  }

  private func checkRandomRows(_ label: String) {
    var rng = SeededGenerator(seed: 7)
    for trial in 0..<600 {
      let count = Int(rng.next(upperBound: UInt64(trial % 10 == 0 ? 3500 : 300)))
      let k = Int(rng.next(upperBound: UInt64(count + 10)))
      // Coarse values in half of the trials so that ties are frequent.
      let coarse = trial % 2 == 0
      let scores = (0..<count).map { _ in
        coarse ? Float(rng.next(upperBound: UInt64(8))) : Float(rng.nextNormal())
      }
      let exclude = Set((0..<count).filter { _ in rng.nextUnit() < 0.2 }.map(Int32.init))
      let sortedExclude = exclude.sorted()
      // One spare element so that even an empty row has a base address.
      let got = (scores + [0]).withUnsafeBufferPointer {
        TopK.select($0.baseAddress!, count: count, k: k,
                    excluding: sortedExclude[...])
      }
      XCTAssertEqual(got, fullSort(scores, k: k, exclude: exclude), "\(label), trial \(trial), count \(count), k \(k)")
    }
  }

  func testEdgeCases() {
    let s: [Float] = [3, .nan, 5, 5, -.infinity]
    s.withUnsafeBufferPointer { p in
      XCTAssertEqual(TopK.select(p.baseAddress!, count: 5, k: 0), [])
      // NaN ranks as -infinity; ties by lower index.
      XCTAssertEqual(TopK.select(p.baseAddress!, count: 5, k: 10), [2, 3, 0, 1, 4])
      XCTAssertEqual(TopK.select(p.baseAddress!, count: 5, k: 2, excluding: [2]), [3, 0])
      XCTAssertEqual(TopK.select(p.baseAddress!, count: 5, k: 3, excluding: [0, 1, 2, 3, 4]), [])
    }
  }
}
