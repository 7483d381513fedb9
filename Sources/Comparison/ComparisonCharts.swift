import Charts

/// The report's SVG charts (issue 6): the metric against beta for the
/// prior, against lambda_g for the Gram term, the learning curves, and
/// recall by item-popularity decile. A chart is drawn only when its data
/// were measured (e.g. no beta chart without the prior).
enum ComparisonCharts {
  struct Rendered { var file: String; var caption: String; var svg: String }

  static func render(_ r: ComparisonResults) throws -> [Rendered] {
    var out: [Rendered] = []
    let metric = r.config.tuneMetric
    func value(_ t: Trial) -> Double { t.metrics[metric] ?? .nan }
    /// A flat reference line at `m`'s chosen validation value over [lo, hi], named `m`'s title + `suffix`.
    func reference(_ m: ComparisonMethod, _ lo: Double, _ hi: Double, suffix: String) -> Series? {
      guard let res = r[m], let t = res.trials.first(where: { $0.setting == res.chosen }) else { return nil }
      return Series(name: res.title + suffix, points: [Point(x: lo, y: value(t)), Point(x: hi, y: value(t))])
    }

    if let prior = r[.prior], !prior.trials.isEmpty {
      let xs = prior.trials.compactMap { $0.setting["beta"] }
      // One line per softmax temperature (the prior's grid is tau x beta).
      var taus: [Double] = []
      for t in prior.trials { if let tau = t.setting["tau"], !taus.contains(tau) { taus.append(tau) } }
      var series = taus.map { tau in
        Series(name: "softmax tau=\(Setting.format(tau)) + beta log P(d)",
               points: prior.trials.filter { $0.setting["tau"] == tau }.map { Point(x: $0.setting["beta"] ?? .nan, y: value($0)) })
      }
      if taus.isEmpty {
        series = [Series(name: "softmax + beta log P(d)", points: prior.trials.map { Point(x: $0.setting["beta"] ?? .nan, y: value($0)) })]
      }
      if let lo = xs.min(), let hi = xs.max(), let ref = reference(.logQExact, lo, hi, suffix: " (chosen)") { series.append(ref) }
      let chart = LineChart(title: "Serving-time prior: validation \(metric) against beta (\(r.data.name))",
                            xLabel: "beta (score = <u, v> + beta log P(d))", yLabel: "validation \(metric)", series: series)
      out.append(Rendered(file: "prior-beta.svg", caption: "validation \(metric) against the prior exponent beta", svg: try chart.svg()))
    }

    let gramMethods = [ComparisonMethod.gram, .logQGram].compactMap { r[$0] }.filter { !$0.trials.isEmpty }
    if !gramMethods.isEmpty {
      var series = gramMethods.map { m in
        Series(name: m.title, points: m.trials.compactMap { t in
          guard let w = t.setting["lambda_g"], w > 0 else { return nil }
          return Point(x: w, y: value(t))
        })
      }.filter { !$0.points.isEmpty }
      let xs = series.flatMap { $0.points.map(\.x) }
      if let lo = xs.min(), let hi = xs.max() {
        series += [ComparisonMethod.softmax, .logQExact].compactMap { reference($0, lo, hi, suffix: ", no Gram") }
        let chart = LineChart(title: "Gram regulariser: validation \(metric) against lambda_g (\(r.data.name))",
                              xLabel: "lambda_g (log scale)", yLabel: "validation \(metric)", xScale: .log10, series: series)
        out.append(Rendered(file: "gram-weight.svg", caption: "validation \(metric) against the Gram weight lambda_g", svg: try chart.svg()))
      }
    }

    // The dimension searches: validation metric against d at each one's chosen settings.
    var dimensionSeries: [Series] = []
    for m in [ComparisonMethod.ialsDimensions, .twoTowerDimensions] {
      guard let res = r[m], res.chosen["d"] != nil else { continue }
      // The trials sharing every setting but d with the choice.
      let fixed = res.chosen.parameters.filter { $0.name != "d" }
      let points = res.trials.filter { t in fixed.allSatisfy { t.setting[$0.name] == $0.value } }
        .compactMap { t in t.setting["d"].map { Point(x: $0, y: value(t)) } }.sorted { $0.x < $1.x }
      if points.count >= 2 { dimensionSeries.append(Series(name: "\(res.title), \(Setting(fixed))", points: points)) }
    }
    if !dimensionSeries.isEmpty {
      let chart = LineChart(title: "Validation \(metric) against the dimension d (\(r.data.name))",
                            xLabel: "d (log scale)", yLabel: "validation \(metric)", xScale: .log10, series: dimensionSeries)
      out.append(Rendered(file: "ials-dimension.svg", caption: "validation \(metric) against d (iALS; the best two-tower method)", svg: try chart.svg()))
    }

    let curves = r.methods.filter { !$0.curve.isEmpty }
    if !curves.isEmpty {
      let chart = LineChart(
        title: "Learning curves: test recall@20 after each epoch (\(r.data.name))", xLabel: "epoch",
        yLabel: "recall@20 (\(min(r.config.curveUsers, r.data.testUsers)) sampled test users)",
        series: curves.map { m in Series(name: m.title, points: m.curve.map { Point(x: Double($0.epoch), y: $0.value) }) })
      out.append(Rendered(file: "learning-curves.svg", caption: "test recall@20 after each epoch of the final fits", svg: try chart.svg()))
    }

    // Coverage and popularity of each method's top-20, mean over seeds with standard-error bars.
    if !r.summary.isEmpty {
      let rows = r.summary.filter { $0.mean["coverage@20"] != nil }
      let seeds = r.seeds.count
      for (key, file, label) in [("coverage@20", "coverage.svg", "coverage@20 (share of the catalogue in any top-20)"),
                                 ("mean_log_popularity@20", "popularity-bias.svg", "mean log P(d) of the top-20 (higher: more popular)")] {
        guard !rows.isEmpty else { break }
        let chart = BarChart(
          title: "\(key) by method (\(r.data.name)\(seeds > 1 ? ", mean ± s.e. over \(seeds) seeds" : ""))",
          xLabel: "method", yLabel: label, categories: rows.map(\.title),
          series: [BarSeries(name: key, values: rows.map { $0.mean[key] ?? .nan },
                             errors: seeds > 1 ? rows.map { $0.standardError[key] ?? .nan } : nil)],
          width: 900, height: 520)
        out.append(Rendered(file: file, caption: "\(key) by method\(seeds > 1 ? " (error bars: standard errors over seeds)" : "")", svg: try chart.svg()))
      }
    }

    let preferred: [ComparisonMethod] = [.popularity, .ials, .ialsDimensions, .ease, .softmax, .logQExact, .prior, .gram, .logQGram, .mseGram, .logQStreaming, .mixed]
    let bucketed = preferred.compactMap { r[$0] }.filter { !$0.popularityBuckets.isEmpty }.prefix(8)
    if let first = bucketed.first {
      let chart = BarChart(
        title: "Recall@20 by item-popularity decile (\(r.data.name))",
        xLabel: "item-popularity decile (1 = least popular, \(first.popularityBuckets.count) = most popular)",
        yLabel: "recall@20 of the decile's test pairs",
        categories: first.popularityBuckets.map { "\($0.bucket)" },
        series: bucketed.map { BarSeries(name: $0.title, values: $0.popularityBuckets.map(\.recall)) }, width: 900, height: 480)
      out.append(Rendered(file: "popularity-deciles.svg", caption: "recall@20 by item-popularity decile", svg: try chart.svg()))
    }
    return out
  }
}
