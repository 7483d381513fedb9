import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import IALS

/// `--formulation hu --confidence linear --alpha 2 --reg-exponent 1
/// --reg-scaling observed` on 0/1 data against a float64 transcription of
/// Spark MLlib's implicit ALS step (ALS.scala, computeFactors with
/// implicitPrefs): per rating r > 0, `c1 = alpha r`, `A += c1 y yᵀ`,
/// `b += (1 + c1) y`, then `A += YᵀY + regParam * n_u * I` (n_u: the row's
/// positive ratings), solved exactly. With Spark's alpha = 1 and r = 1 that
/// is c = 2, Gramian's `hu` with c = alpha r = 2.
final class SparkParityTests: XCTestCase {
  func binary(_ m: InteractionMatrix) -> InteractionMatrix {
    InteractionMatrix(userCount: m.userCount, itemCount: m.itemCount, userOffsets: m.userOffsets, userItems: m.userItems,
                      userWeights: [Float](repeating: 1, count: m.nnz))
  }

  func sparkStep(_ m: InteractionMatrix, y: Matrix, regParam: Double, alpha: Double) -> [[Double]] {
    let k = y.columns
    let yty = DenseReference.gram(y)
    return (0..<m.userCount).map { u in
      var A = yty, rhs = [Double](repeating: 0, count: k)
      var positives = 0
      for (i, r) in zip(m.items(ofUser: u), m.weights(ofUser: u)) {
        let c1 = alpha * Double(abs(r))
        if r > 0 { positives += 1 }
        let f = y.row(Int(i)).map(Double.init)
        for a in 0..<k {
          rhs[a] += (r > 0 ? 1 + c1 : 0) * f[a]
          for b in 0..<k { A[a * k + b] += c1 * f[a] * f[b] }
        }
      }
      for a in 0..<k { A[a * k + a] += regParam * Double(positives) }
      return Cholesky.solveReference(A, rhs, n: k)!
    }
  }

  func testObservedScalingIsALSWR() {
    var c = IALSConfig()
    c.regularization = 0.5
    c.regularizationExponent = 1
    c.unobservedWeight = 0.1
    XCTAssertEqual(c.rowRegularization(observed: 8, others: 1000), 0.5 * (8 + 100))  // total: n + alpha0 N
    c.regularizationScaling = .observed
    XCTAssertEqual(c.rowRegularization(observed: 8, others: 1000), 0.5 * 8)
    XCTAssertEqual(c.rowRegularization(observed: 0, others: 1000), 0.5, "an empty row keeps lambda, never 0")
    c.regularizationExponent = 0.5
    XCTAssertEqual(c.rowRegularization(observed: 16, others: 1000), 0.5 * 4, accuracy: 1e-6)
  }

  func testObservedScalingRoundTripsAndOldConfigsStillDecode() throws {
    var c = IALSConfig()
    c.regularizationScaling = .observed
    XCTAssertEqual(try JSONDecoder().decode(IALSConfig.self, from: JSONEncoder().encode(c)), c)
    // A config written before the field existed has no key: it decodes as nil (total).
    let old = try JSONEncoder().encode(IALSConfig())
    XCTAssertFalse(String(decoding: old, as: UTF8.self).contains("regularizationScaling"))
    XCTAssertNil(try JSONDecoder().decode(IALSConfig.self, from: old).regularizationScaling)
  }

  func testHuWithObservedScalingIsSparksImplicitALS() throws {
    let train = binary(Fixture.tiny(seed: 11))
    var c = IALSConfig()
    c.factors = 4; c.epochs = 1; c.regularization = 0.05; c.regularizationExponent = 1
    c.regularizationScaling = .observed
    c.formulation = .hu; c.confidence = .linear; c.alpha = 2; c.unobservedWeight = 1
    c.initStd = 1; c.solver = .exact; c.threads = 1; c.seed = 9
    let model = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: c)
    let items0 = IALSModel.initialFactors(rows: train.itemCount, k: 4, config: c, stream: 1)
    let users = sparkStep(train, y: items0, regParam: 0.05, alpha: 1)
    let items = sparkStep(train.transposed, y: Fixture.asMatrix(users), regParam: 0.05, alpha: 1)
    assertAllClose(model.userFactors.storage, users.flatMap { $0 }, relative: 1e-4, absolute: 1e-5)
    assertAllClose(model.itemFactors.storage, items.flatMap { $0 }, relative: 1e-4, absolute: 1e-5)
  }
}
