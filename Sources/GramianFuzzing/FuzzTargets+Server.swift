import GramianServer

extension FuzzTargets {
  /// The service's request decoding (its own JSON parser and the typed
  /// reading of each body), the part of `gramian serve` that reads bytes a
  /// client controls.
  static let serverTargets: [FuzzTarget] = [
    FuzzTarget("server-json", "request bodies of `gramian serve` (recommend, score, events)") { input in
      let outcomes = JSONReply.decodeEveryRequest(input)
      precondition(outcomes.count == 3)
    }
  ]
}
