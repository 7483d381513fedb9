import EASE
import Evaluation
import IALS
import InteractionData
import TwoTower

extension Session {
  /// Refits `method`'s chosen setting on the whole training split, evaluates
  /// it on the test split, and returns the measurements and the model.
  func finish(_ method: ComparisonMethod) throws -> (result: MethodResult, model: any Recommender) {
    guard let t = tuned[method] else { fatalError("\(method) finished before it was tuned") }
    let (out, sec) = try wallSeconds { () throws -> FinalFit in
      switch method {
      case .popularity:
        let (m, s) = wallSeconds { PopularityModel(train: full.train) }
        return FinalFit(model: m, seconds: s)
      case .ials, .ialsDimensions:
        let c = ialsConfig(t.chosen)
        var curve: [CurvePoint] = []
        var curveSeconds = 0.0
        let (m, s) = try wallSeconds {
          try IALSModel.fit(full.train, userIds: full.events.userIds, itemIds: full.events.itemIds, config: c,
                            onEpochModel: { [self] report, model in
            guard config.curveUsers > 0 else { return }
            let (r, cs) = wallSeconds { full.evaluate(model, ks: [20], threads: config.threads, test: curveTest) }
            curve.append(CurvePoint(epoch: report.epoch, value: r.metrics["recall@20"] ?? 0))
            curveSeconds += cs
          })
        }
        // The per-epoch exact loss is computed only for the callback; it is
        // part of `s` but small (O(nnz k + (|U|+|I|) k^2) per epoch).
        return FinalFit(model: m, seconds: s - curveSeconds, curve: curve)
      case .ease:
        let (m, s) = try wallSeconds {
          try EASEModel.fit(full.train, userIds: full.events.userIds, itemIds: full.events.itemIds, config: easeConfig(t.chosen))
        }
        return FinalFit(model: m, seconds: s)
      case .prior:
        let beta = Float(t.chosen["beta"] ?? 0), tau = t.chosen["tau"] ?? 1
        let reuse = softmaxFinal.flatMap { Double($0.model.config.temperature) == tau ? $0 : nil }
        let run = try reuse ?? fitTwoTower(
          twoTowerConfig(.softmax, Setting([Parameter("tau", tau)]), inherited: Setting(), fold: full), on: full,
          curveBetas: config.curveUsers > 0 ? [beta] : [])
        let note = reuse != nil
          ? "served from softmax's final fit (same tau); beta is applied at serving time, so the fit time is softmax's"
          : "a softmax fit at the chosen tau; beta is applied at serving time"
        return FinalFit(model: run.model.withPriorExponent(beta), seconds: run.seconds,
                        curve: run.curves[beta] ?? [], examplesPerSecond: run.examplesPerSecond, notes: [note])
      case .twoTowerDimensions:
        guard let base = t.base else { fatalError("two-tower-dims finished without a base method") }
        let beta = base == .prior ? Float(t.chosen["beta"] ?? 0) : 0
        let run = try fitTwoTower(twoTowerConfig(base, t.chosen, inherited: Setting(), fold: full), on: full,
                                  curveBetas: config.curveUsers > 0 ? [beta] : [])
        let model: any Recommender = base == .prior ? run.model.withPriorExponent(beta) : run.model
        return FinalFit(model: model, seconds: run.seconds, curve: run.curves[beta] ?? [],
                        examplesPerSecond: run.examplesPerSecond)
      default:
        var betas: [Float] = config.curveUsers > 0 ? [0] : []
        if method == .softmax, config.curveUsers > 0, config.methods.contains(.prior), let p = tuned[.prior]?.chosen,
           let b = p["beta"], p["tau"] == t.chosen["tau"] {
          betas.append(Float(b))
        }
        let c = twoTowerConfig(method, t.chosen, inherited: t.inherited, fold: full)
        let run = try fitTwoTower(c, on: full, curveBetas: betas)
        if method == .softmax { softmaxFinal = run }
        var notes: [String] = []
        if method == .mseGram {
          notes.append(String(format: "alpha0 %@ is lambda_g = alpha0 |U| |I| / N = %.4g on the training split", Setting.format(t.chosen["alpha0"]!), c.gramWeight))
        }
        return FinalFit(model: run.model, seconds: run.seconds, curve: run.curves[0] ?? [],
                        examplesPerSecond: run.examplesPerSecond, notes: notes)
      }
    }
    let r = full.evaluate(out.model, ks: testKs, buckets: config.popularityBuckets, threads: config.threads, perUser: true)
    log?(String(format: "%@: test recall@20 %.4f  ndcg@20 %.4f  coverage@20 %.3f  (fit %.1f s)", method.rawValue,
                r.metrics["recall@20"] ?? 0, r.metrics["ndcg@20"] ?? 0, r.metrics["coverage@20"] ?? 0, out.seconds))
    let result = MethodResult(
      method: method, title: method.title, trials: t.trials, chosen: t.chosen, inherited: t.inherited, test: r.metrics,
      popularityBuckets: r.popularityBuckets ?? [], curve: out.curve, fitSeconds: out.seconds, totalSeconds: t.seconds + sec,
      examplesPerSecond: out.examplesPerSecond, notes: t.notes + out.notes, perUser: r.perUser ?? [:])
    return (result, out.model)
  }
}

/// A final fit on the whole training split: the model, its wall seconds
/// (learning-curve evaluations excluded), the curve and report notes.
struct FinalFit {
  var model: any Recommender
  var seconds: Double
  var curve: [CurvePoint] = []
  var examplesPerSecond: Double? = nil
  var notes: [String] = []
}
