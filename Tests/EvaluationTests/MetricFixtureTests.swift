import Evaluation
import GramianTestSupport
import InteractionData
import XCTest

/// Metrics on a 4-user, 6-item fixture worked out by hand.
final class MetricFixtureTests: XCTestCase {
  // Scores (rows: users, columns: items 0...5).
  //   u0: .9 .8 .7 .6 .5 .4   train {0}  test {2, 5}
  //   u1: .5 .5 .5 .1 .9 .2   train {4}  test {1}     (three-way tie at .5)
  //   u2: .1 .2 .3 .4 .5 .6   train {5}  test {3, 4}
  //   u3: all 0               train {3}  test {}      (skipped)
  // Rankings with training items removed, ties by lower index:
  //   u0: 1 2 3 4 5     u1: 0 1 2 5 3     u2: 4 3 2 1 0
  // With ks = [1, 3] (lists of 3): d(r) = 1/log2(r + 1), d(2) = 0.6309297536.
  //   u0 @1: no hit.            @3: hit at rank 2: recall 1/min(3,2) = .5,
  //          ndcg .6309/(1 + .6309) = .3868528072, precision 1/3, rr 1/2.
  //   u1 @1: no hit.            @3: hit at rank 2 (tie order 0,1,2): recall 1/1,
  //          ndcg .6309/1, precision 1/3, rr 1/2.
  //   u2 @1: hit: recall 1/min(1,2) = 1, ndcg 1, precision 1.
  //          @3: hits at ranks 1, 2: recall 2/2, ndcg 1, precision 2/3, rr 1.
  // Means over the 3 users with test items:
  //   recall@1 = ndcg@1 = hr@1 = precision@1 = 1/3
  //   recall@3 = 2.5/3, ndcg@3 = (.3868528072 + .6309297536 + 1)/3, hr@3 = 1,
  //   precision@3 = (1/3 + 1/3 + 2/3)/3 = 4/9, mrr = 2/3.
  // Training degrees: items 0, 3, 4, 5 have 1 user, items 1, 2 none.
  //   coverage@1: {1, 0, 4} = 3/6; coverage@3: {0,1,2,3,4} = 5/6.
  //   mean_popularity@1 = (0 + 1 + 1)/3; @3 = (1/3 + 1/3 + 2/3)/3 = 4/9.
  //   log P(d) over N = 4 training pairs: L1 = log(1/4) (one user), L0 = log(0.5/4) (none, floored):
  //   mean_log_popularity@1 = (L0 + 2 L1)/3; @3 = (4 L1 + 5 L0)/9.
  let scorer = TableScorer(table: [
    [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
    [0.5, 0.5, 0.5, 0.1, 0.9, 0.2],
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    [0, 0, 0, 0, 0, 0],
  ])
  let train = InteractionMatrix(
    userCount: 4, itemCount: 6, users: [0, 1, 2, 3], items: [0, 4, 5, 3], weights: [1, 1, 1, 1])
  let test = InteractionMatrix(
    userCount: 4, itemCount: 6, users: [0, 0, 1, 2, 2], items: [5, 2, 1, 4, 3], weights: [1, 1, 1, 1, 1])

  func testHandComputedMetrics() {
    var options = EvaluationOptions()
    options.ks = [1, 3]
    options.threads = 1
    let r = Evaluator.evaluate(scorer, train: train, test: test, options: options)
    XCTAssertEqual(r.users, 3)
    let d2 = 0.6309297535714574
    let expected: [String: Double] = [
      "recall@1": 1.0 / 3, "ndcg@1": 1.0 / 3, "hr@1": 1.0 / 3, "precision@1": 1.0 / 3,
      "recall@3": 2.5 / 3, "ndcg@3": (d2 / (1 + d2) + d2 + 1) / 3, "hr@3": 1, "precision@3": 4.0 / 9,
      "mrr": 2.0 / 3, "coverage@1": 0.5, "coverage@3": 5.0 / 6,
      "mean_popularity@1": 2.0 / 3, "mean_popularity@3": 4.0 / 9,
      "mean_log_popularity@1": (log(0.125) + 2 * log(0.25)) / 3, "mean_log_popularity@3": (4 * log(0.25) + 5 * log(0.125)) / 9,
    ]
    XCTAssertEqual(Set(r.metrics.keys), Set(expected.keys))
    for (name, value) in expected {
      // log P(d) is stored in float32 (the serving prior's type): 1e-6 relative there.
      assertClose(r.metrics[name] ?? .nan, value, relative: name.hasPrefix("mean_log") ? 1e-6 : 1e-12, absolute: 1e-15, name)
    }
    assertClose(r.metrics["ndcg@3"]!, 0.6725941869353331, relative: 1e-10)
  }

  func testPerUserValuesAndTies() {
    let m = RankingMetrics(ks: [1, 3])
    // u1's list: the tie at .5 is ordered 0, 1, 2, so the hit is at rank 2.
    var row = scorer.table[1]
    let ranked = row.withUnsafeMutableBufferPointer {
      TopK.select($0.baseAddress!, count: 6, k: 3, excluding: [4])
    }
    XCTAssertEqual(ranked, [0, 1, 2])
    let v = m.user(ranked: ranked, relevantCount: 1) { $0 == 1 }
    XCTAssertEqual(v.recall, [0, 1])
    XCTAssertEqual(v.hr, [0, 1])
    assertClose(v.ndcg[1], 0.6309297535714574, relative: 1e-14)
    XCTAssertEqual(v.reciprocalRank, 0.5)
  }

  func testPopularityModel() {
    let pop = PopularityModel(train: train)
    XCTAssertEqual(pop.counts, [1, 0, 0, 1, 1, 1])
    var options = EvaluationOptions()
    options.ks = [2]
    // Every user's list is the two most popular unseen items, ties by index:
    // u0 (train 0): 3, 4 -> no hit of {2, 5}; u1 (train 4): 0, 3 -> miss;
    // u2 (train 5): 0, 3 -> hit 3 at rank 2: recall 1/2, ndcg d(2)/(1 + d(2)).
    let r = Evaluator.evaluate(pop, train: train, test: test, options: options)
    assertClose(r.metrics["recall@2"]!, 0.5 / 3, relative: 1e-12)
    let d2 = 0.6309297535714574
    assertClose(r.metrics["ndcg@2"]!, d2 / (1 + d2) / 3, relative: 1e-12)
    assertClose(r.metrics["coverage@2"]!, 3.0 / 6, relative: 1e-12)
  }

  func testSampledProtocol() {
    // Case 0: user 0, positive item 2 (.7) vs negatives 0 (.9), 3 (.6), 4 (.5): rank 2.
    // Case 1: user 1, positive item 1 (.5) vs negatives 0 (.5, a tie, counted
    //         against the positive) and 3 (.1): rank 2.
    // Case 2: user 2, positive item 5 (.6) vs negatives 0, 1: rank 1.
    let r = Evaluator.evaluateSampled(
      scorer, positives: [(0, 2), (1, 1), (2, 5)], negatives: [[0, 3, 4], [0, 3], [0, 1]], ks: [1, 2])
    let d2 = 0.6309297535714574
    XCTAssertEqual(r.users, 3)
    assertClose(r.metrics["hr@1"]!, 1.0 / 3, relative: 1e-12)
    assertClose(r.metrics["hr@2"]!, 1, relative: 1e-12)
    assertClose(r.metrics["ndcg@1"]!, 1.0 / 3, relative: 1e-12)
    assertClose(r.metrics["ndcg@2"]!, (2 * d2 + 1) / 3, relative: 1e-12)
    assertClose(r.metrics["mrr"]!, 2.0 / 3, relative: 1e-12)
  }
}
