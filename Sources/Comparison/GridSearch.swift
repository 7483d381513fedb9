/// One hyperparameter's values in a grid search.
struct GridAxis {
  var name: String
  var values: [Double]
  /// Whether a choice on this axis's edge may extend it.
  var widen = true
  /// Values are whole numbers (negatives per batch, d).
  var integer = false
  /// The largest value a widening may reach (e.g. no more extra negatives
  /// than the catalogue has items); nil: unbounded.
  var maximum: Double? = nil

  /// The value one step past `edge` (the largest or smallest tried), or nil
  /// when the axis cannot go further. Positive grids step geometrically (the
  /// ratio of the edge to its neighbour), others arithmetically; a lower
  /// edge at 0 stays (0 is every non-negative grid's natural floor).
  func step(past edge: Double, upward: Bool) -> Double? {
    let sorted = Array(Set(values)).sorted()
    guard widen, sorted.count >= 2 else { return nil }
    let (e, n) = upward ? (sorted[sorted.count - 1], sorted[sorted.count - 2]) : (sorted[0], sorted[1])
    guard e == edge else { return nil }
    var next: Double
    if sorted[0] > 0 {
      next = e * (e / n)
    } else {
      if !upward && e == 0 { return nil }
      next = e + (e - n)
      if sorted[0] >= 0 && next < 0 { return nil }
    }
    if integer { next = next.rounded() }
    guard next.isFinite, next != e, !(integer && next < 1) else { return nil }
    if let maximum, next > maximum { return nil }
    return next
  }
}

/// The grid search of the comparison: the full product of the axes, then,
/// while the best point sits on an axis's edge, one more point past that
/// edge along the axis (the other parameters held at the best point's),
/// at most `widenings` times per axis and direction. A grid that was too
/// narrow thus extends itself instead of leaving the optimum outside it.
struct GridSearch {
  var metric: String
  var widenings: Int

  /// Evaluates every point (`evaluate` appends one trial each, read back
  /// through `trials`) and returns a note per widening, for the report.
  func run(
    _ axes: [GridAxis], trials: () -> [Trial], evaluate: (Setting) throws -> Void
  ) throws -> [String] {
    var axes = axes
    func product(_ i: Int, _ prefix: [Parameter]) throws {
      if i == axes.count { return try evaluate(Setting(prefix)) }
      for v in axes[i].values { try product(i + 1, prefix + [Parameter(axes[i].name, v)]) }
    }
    try product(0, [])
    var notes: [String] = []
    var used = [String: Int]()
    while true {
      let all = trials()
      guard let b = Session.best(all, metric: metric) else { return notes }
      let best = all[b].setting
      var moved = false
      for i in axes.indices {
        guard let v = best[axes[i].name] else { continue }
        for upward in [true, false] {
          let key = "\(axes[i].name)\(upward ? "+" : "-")"
          guard used[key, default: 0] < widenings, let next = axes[i].step(past: v, upward: upward) else { continue }
          var s = best
          s.set(axes[i].name, next)
          guard !all.contains(where: { $0.setting == s }) else { continue }
          used[key, default: 0] += 1
          axes[i].values.append(next)
          notes.append("\(axes[i].name) widened to \(Setting.format(next)) (\(Setting.format(v)) was the grid's edge)")
          try evaluate(s)
          moved = true
          break
        }
        if moved { break }
      }
      if !moved { return notes }
    }
  }
}

extension Setting {
  /// Sets `name` to `value`, appending the parameter when it is new.
  mutating func set(_ name: String, _ value: Double) {
    if let i = parameters.firstIndex(where: { $0.name == name }) { parameters[i].value = value } else {
      parameters.append(Parameter(name, value))
    }
  }
}
