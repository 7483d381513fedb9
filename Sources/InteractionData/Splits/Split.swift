/// A train/test partition of an event list, with the counts that explain it.
///
/// All parts share one pair of id maps, so dense indices agree across them
/// and an ``InteractionMatrix`` built from each has the same shape.
public struct Split: Sendable {
  /// Events to fit on.
  public var train: Interactions
  /// Held-out events to evaluate on.
  public var test: Interactions
  /// Strong generalisation only: the held-out users' fold-in part, which a
  /// model may see (to infer those users' factors) before ranking `test`.
  public var foldIn: Interactions?
  /// What the split did, in counts.
  public var report: SplitReport

  public init(train: Interactions, test: Interactions, foldIn: Interactions? = nil, report: SplitReport) {
    self.train = train
    self.test = test
    self.foldIn = foldIn
    self.report = report
  }
}

/// Counts describing a ``Split``.
public struct SplitReport: Sendable, Equatable {
  /// Events in `train`.
  public var trainEvents: Int
  /// Events in `test`.
  public var testEvents: Int
  /// Events in `foldIn` (0 without one).
  public var foldInEvents: Int
  /// Users with held-out events (strong generalisation: users moved out of train).
  public var heldOutUsers: Int
  /// Held-out events removed because their user or item has no training
  /// event (a model cannot score what it never saw).
  public var droppedTestEvents: Int
  /// Human-readable remarks (fallbacks taken, shortfalls).
  public var notes: [String]

  public init(trainEvents: Int, testEvents: Int, foldInEvents: Int, heldOutUsers: Int, droppedTestEvents: Int, notes: [String]) {
    self.trainEvents = trainEvents
    self.testEvents = testEvents
    self.foldInEvents = foldInEvents
    self.heldOutUsers = heldOutUsers
    self.droppedTestEvents = droppedTestEvents
    self.notes = notes
  }
}
