import LinearAlgebra

/// Anything that scores users against the whole catalogue: the one protocol
/// through which every model (popularity, iALS, two-tower) is evaluated,
/// served and compared.
public protocol Scorer: Sendable {
  /// Number of users the scorer knows (dense indices `0..<userCount`).
  var userCount: Int { get }
  /// Number of items (dense indices `0..<itemCount`).
  var itemCount: Int { get }
  /// Writes the scores of `users` against every item into `output`, a
  /// row-major `users.count x itemCount` buffer. Higher is better.
  /// Called concurrently from several threads with disjoint outputs, so it
  /// must not mutate shared state.
  func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>)
}
