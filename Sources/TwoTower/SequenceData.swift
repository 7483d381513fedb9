import InteractionData

/// Users' item sequences for the attention tower: per user, the items in
/// time order (oldest first), repeats kept.
public struct SequenceData: Sendable, Equatable {
  public var sequences: [[Int32]]
  public var itemCount: Int

  public init(sequences: [[Int32]], itemCount: Int) {
    self.sequences = sequences; self.itemCount = itemCount
  }

  /// Each user's events ordered by timestamp when the events have them
  /// (ties in file order), else in file order (a lists file's order).
  /// - Complexity: O(n log n) with timestamps, O(n) without.
  public init(_ events: Interactions, userCount: Int, itemCount: Int) {
    var order = Array(0..<events.count)
    if let ts = events.timestamps { order.sort { (ts[$0], $0) < (ts[$1], $1) } }
    var lists = [[Int32]](repeating: [], count: userCount)
    for e in order where Int(events.users[e]) < userCount { lists[Int(events.users[e])].append(events.items[e]) }
    self.init(sequences: lists, itemCount: itemCount)
  }

  /// Positions in the whole data (items after the first of each sequence).
  public var positionCount: Int { sequences.reduce(0) { $0 + max(0, $1.count - 1) } }
}

/// The leave-one-out protocol of SASRec and S3-Rec: per user, the last item
/// is the test item, the one before it the validation item, the rest is
/// training; users with fewer than 3 items keep everything in training
/// and are not evaluated.
public struct LeaveOneOutSplit: Sendable, Equatable {
  public var train: [[Int32]]
  /// The validation item per user, or -1 (not evaluated).
  public var validation: [Int32]
  /// The test item per user, or -1.
  public var test: [Int32]
  public var itemCount: Int

  public init(_ data: SequenceData) {
    itemCount = data.itemCount
    train = []
    validation = []
    test = []
    for s in data.sequences {
      if s.count >= 3 {
        train.append(Array(s.dropLast(2)))
        validation.append(s[s.count - 2])
        test.append(s[s.count - 1])
      } else {
        train.append(s)
        validation.append(-1)
        test.append(-1)
      }
    }
  }

  /// User u's whole sequence: training items, then the validation and test items.
  public func sequence(of u: Int) -> [Int32] {
    test[u] >= 0 ? train[u] + [validation[u], test[u]] : train[u]
  }

  /// Users with a validation and a test item.
  public var evaluatedUsers: Int { test.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
  public var userCount: Int { train.count }
}
