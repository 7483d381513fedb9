import Foundation

/// Reading and writing numpy `.npy` files (format version 1.0) holding a
/// float32, C-order, 2-D array: the interchange format for factor tables.
/// Spec: numpy's `numpy/lib/format.py` documentation.
public enum NPY {
  public struct FormatError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): error: \(message)" }
  }

  /// The bytes of a `.npy` file holding `matrix` as `<f4`, C order.
  public static func encode(_ matrix: Matrix) -> Data {
    matrix.storage.withUnsafeBufferPointer {
      encode(descr: "<f4", rows: matrix.rows, columns: matrix.columns, payload: Data(buffer: $0))
    }
  }

  /// The bytes of a `.npy` file holding `values` as a `rows x columns`
  /// little-endian int32 (`<i4`) array, C order.
  public static func encode(int32 values: [Int32], rows: Int, columns: Int) -> Data {
    precondition(values.count == rows * columns, "\(values.count) values for a \(rows) x \(columns) array")
    return values.withUnsafeBufferPointer { encode(descr: "<i4", rows: rows, columns: columns, payload: Data(buffer: $0)) }
  }

  private static func encode(descr: String, rows: Int, columns: Int, payload: Data) -> Data {
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    // Magic (6) + version (2) + header length (2) + header, padded with
    // spaces and ended by a newline to a multiple of 64 bytes.
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let len = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
    data.append(contentsOf: Array(header.utf8))
    data.append(payload)
    return data
  }

  /// Writes `matrix` to `path` atomically (temporary file, then rename).
  public static func write(_ matrix: Matrix, to path: String) throws {
    try encode(matrix).write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// Reads a 2-D `<f4` C-order array (a 1-D array reads as one column).
  public static func read(_ path: String) throws -> Matrix {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw FormatError(path: path, message: "cannot read file (\(error.localizedDescription))")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
      throw FormatError(path: path, message: "not a .npy file (bad magic)")
    }
    let major = bytes[6]
    guard (1...3).contains(major) else {
      throw FormatError(path: path, message: "format version \(major) is not one numpy writes (1, 2 or 3)")
    }
    let headerStart = major == 1 ? 10 : 12
    guard bytes.count >= headerStart else { throw FormatError(path: path, message: "truncated header") }
    let headerLen = major == 1
      ? Int(bytes[8]) | Int(bytes[9]) << 8
      : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    guard bytes.count >= headerStart + headerLen,
          let header = String(bytes: bytes[headerStart..<(headerStart + headerLen)], encoding: .ascii) else {
      throw FormatError(path: path, message: "truncated header")
    }
    guard header.contains("'<f4'") else {
      throw FormatError(path: path, message: "dtype is not little-endian float32 ('<f4'); convert with .astype(np.float32)")
    }
    guard header.contains("'fortran_order': False") else {
      throw FormatError(path: path, message: "array is in Fortran order; save a C-order array (np.ascontiguousarray)")
    }
    guard let open = header.firstIndex(of: "("),
          let close = header[open...].firstIndex(of: ")") else {
      throw FormatError(path: path, message: "header has no shape")
    }
    let fields = header[header.index(after: open)..<close].split(separator: ",")
      .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    var dims: [Int] = []
    for f in fields {
      guard let d = Int(f), d >= 0 else {
        throw FormatError(path: path, message: "shape entry '\(f.prefix(20))' is not a non-negative integer")
      }
      dims.append(d)
    }
    let rows: Int, cols: Int
    switch dims.count {
    case 1: rows = dims[0]; cols = 1
    case 2: rows = dims[0]; cols = dims[1]
    default: throw FormatError(path: path, message: "expected a 1-D or 2-D array, shape has \(dims.count) dimensions")
    }
    let start = headerStart + headerLen
    let (cells, overflow) = rows.multipliedReportingOverflow(by: cols)
    guard !overflow, cells <= (bytes.count - start) / 4, bytes.count - start == cells * 4 else {
      let needed = overflow ? "more than \(Int.max)" : "\(cells) x 4"
      throw FormatError(path: path, message: "shape (\(rows), \(cols)) needs \(needed) data bytes, the file has \(bytes.count - start)")
    }
    var storage = [Float](repeating: 0, count: rows * cols)
    storage.withUnsafeMutableBytes { dst in
      bytes.withUnsafeBytes { src in
        dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start...]))
      }
    }
    if let bad = storage.firstIndex(where: { !$0.isFinite }) {
      throw FormatError(path: path, message: "row \(bad / max(cols, 1)), column \(bad % max(cols, 1)) is \(storage[bad]), not a finite number")
    }
    return Matrix(rows: rows, columns: cols, storage: storage)
  }
}
