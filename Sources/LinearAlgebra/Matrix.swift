/// A dense row-major matrix of `Float` (float32), the storage type of every
/// factor table in Gramian.
///
/// Element `(r, c)` lives at `storage[r * columns + c]`, which is the C order
/// that numpy's `.npy` files and CBLAS's `CblasRowMajor` expect.
public struct Matrix: Sendable, Equatable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let columns: Int
  /// Row-major elements, `rows * columns` of them.
  public var storage: [Float]

  /// A `rows x columns` matrix filled with `value`.
  public init(rows: Int, columns: Int, repeating value: Float = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.storage = [Float](repeating: value, count: rows * columns)
  }

  /// A matrix over existing row-major storage.
  public init(rows: Int, columns: Int, storage: [Float]) {
    precondition(storage.count == rows * columns, "storage has \(storage.count) elements, expected \(rows * columns)")
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// Element access; O(1).
  @inlinable
  public subscript(row: Int, column: Int) -> Float {
    get { storage[row * columns + column] }
    set { storage[row * columns + column] = newValue }
  }

  /// A copy of row `r`.
  public func row(_ r: Int) -> [Float] {
    Array(storage[(r * columns)..<((r + 1) * columns)])
  }

  /// Overwrites row `r` with `values` (which must have `columns` elements).
  public mutating func setRow(_ r: Int, to values: [Float]) {
    precondition(values.count == columns)
    storage.replaceSubrange((r * columns)..<((r + 1) * columns), with: values)
  }

  /// The transpose, as a new matrix. O(rows * columns).
  public func transposed() -> Matrix {
    var t = Matrix(rows: columns, columns: rows)
    for r in 0..<rows {
      for c in 0..<columns { t.storage[c * rows + r] = storage[r * columns + c] }
    }
    return t
  }
}
