import GramianKernels
import GramianTestSupport
import LinearAlgebra
import XCTest

@testable import InteractionData

/// The one-pass parser of common delimited lines (`gk_delimited_fast`):
/// hand-computed lines, weights against Swift's own correctly rounded
/// `Float(String)`, and whole files against the general reader (the fast
/// path off), which must give the same events, counts and messages.
final class FastDelimitedTests: XCTestCase {
  /// Runs the kernel over `text` with roles user, item, weight, timestamp.
  private func fast(
    _ text: String, roles: [UInt8] = [1, 2, 3, 4], sep: UInt8 = 44, minRating: Float? = nil, weightOne: Bool = false,
    capacity: Int? = nil
  ) -> (lines: Int, stop: Int, users: [Int32], items: [Int32], weights: [Float], stamps: [Int64], below: Int) {
    let bytes = Array(text.utf8)
    let cap = capacity ?? bytes.count + 1
    var users = [Int32](repeating: -9, count: cap), items = users
    var weights = [Float](repeating: -9, count: cap), stamps = [Int64](repeating: -9, count: cap)
    var lines = 0, stop = -1
    var out = gk_event_out()
    bytes.withUnsafeBufferPointer { b in
      roles.withUnsafeBufferPointer { r in
        users.withUnsafeMutableBufferPointer { u in
          items.withUnsafeMutableBufferPointer { i in
            weights.withUnsafeMutableBufferPointer { w in
              stamps.withUnsafeMutableBufferPointer { s in
                var shape = gk_delimited_shape(
                  roles: r.baseAddress, needed: roles.count, sep: sep, weight_one: weightOne ? 1 : 0,
                  has_min_rating: minRating == nil ? 0 : 1, min_rating: minRating ?? 0)
                out = gk_event_out(
                  users: u.baseAddress, items: i.baseAddress, weights: w.baseAddress,
                  timestamps: roles.contains(4) ? s.baseAddress : nil, count: 0, capacity: cap, below_min: 0)
                lines = gk_delimited_fast(b.baseAddress!, 0, bytes.count, &shape, &out, &stop)
              }
            }
          }
        }
      }
    }
    let n = out.count
    return (lines, stop, Array(users[..<n]), Array(items[..<n]), Array(weights[..<n]), Array(stamps[..<n]), out.below_min)
  }

  func testHandComputedLines() {
    let r = fast("1,2,3.5,100\n0,16777215,0.25,7\r\n12,3,5.,978300760")
    XCTAssertEqual(r.lines, 3)
    XCTAssertEqual(r.stop, 48)
    XCTAssertEqual(r.users, [1, 0, 12])
    XCTAssertEqual(r.items, [2, 16_777_215, 3])
    XCTAssertEqual(r.weights, [3.5, 0.25, 5])
    XCTAssertEqual(r.stamps, [100, 7, 978_300_760])
    // Extra fields are ignored up to the line's end; a bare CR at the end of
    // the range ends the line.
    let extra = fast("4,5,1,2,x,\"y,z\"\n6,7,0,3\r")
    XCTAssertEqual(extra.lines, 2)
    XCTAssertEqual(extra.users, [4, 6])
    XCTAssertEqual(extra.stamps, [2, 3])
    // Each of these is left to the general reader: the kernel stops at the
    // start of that line, after taking the good line before it.
    let declined = [
      "01,2,3,4", "1,002,3,4", "123456789,2,3,4", "16777216,2,3,4", "u1,2,3,4", "\"1\",2,3,4", "1,2,-3,4", "1,2,+3,4",
      "1,2,1e3,4", "1,2,nan,4", "1,2,.,4", "1,2,,4", "1,2,0.00000000001,4", "1,2,16777216,4", "1,2,3,-4", "1,2,3,4.0",
      "1,2,3,1234567890123456789", "1,2,3", "1,2", "", " 1,2,3,4", "1,2 ,3,4", "1,2,3,4\rx", "1;2;3;4",
    ]
    for line in declined {
      let r = fast("9,8,1,1\n" + line + "\n5,5,5,5\n")
      XCTAssertEqual(r.lines, 1, line)
      XCTAssertEqual(r.stop, 8, line)
      XCTAssertEqual(r.users, [9], line)
    }
    // Roles in another order, a field nobody reads, no timestamp; tab-separated.
    let swapped = fast("a b\t7\t3\t2.5\n", roles: [0, 2, 1, 3], sep: 9)
    XCTAssertEqual(swapped.lines, 1)
    XCTAssertEqual(swapped.users, [3])
    XCTAssertEqual(swapped.items, [7])
    XCTAssertEqual(swapped.weights, [2.5])
    // A quoted field nobody reads may hold the separator: declined.
    XCTAssertEqual(fast("\"a,b\",7,3,2.5\n", roles: [0, 2, 1, 3]).lines, 0)
    // Minimum rating and weight one.
    let m = fast("1,1,2.5,1\n2,2,3.5,1\n3,3,3,1\n", minRating: 3)
    XCTAssertEqual(m.users, [2, 3])
    XCTAssertEqual(m.below, 1)
    XCTAssertEqual(m.lines, 3)
    XCTAssertEqual(fast("1,1,2.5,1\n", weightOne: true).weights, [1])
    // It never writes past the capacity: it stops at the line that would.
    let full = fast("1,1,1,1\n2,2,2,2\n", capacity: 1)
    XCTAssertEqual(full.lines, 1)
    XCTAssertEqual(full.stop, 8)
    XCTAssertEqual(full.users, [1])
  }

  /// Weights the kernel takes are the correctly rounded floats (Swift's
  /// `Float(String)` is the reference), and equal to ByteNumbers.parseFloat.
  func testWeightsAreCorrectlyRounded() {
    var rng = SeededGenerator(seed: 5)
    for _ in 0..<20_000 {
      let whole = Int(rng.next() % 3 == 0 ? rng.next() % 20 : rng.next() % 1_000_000)
      let fraction = Int(rng.next() % 8)
      var text = String(whole)
      if fraction > 0 || rng.next() % 4 == 0 {
        text += "."
        for _ in 0..<fraction { text += String(rng.next() % 10) }
      }
      let r = fast("1,2,\(text),3\n")
      let digits = text.filter { $0.isNumber }
      guard let m = Int(digits), m < 1 << 24 else {
        XCTAssertEqual(r.lines, 0, text)  // beyond the fast path's exact range
        continue
      }
      XCTAssertEqual(r.lines, 1, text)
      XCTAssertEqual(r.weights.first?.bitPattern, Float(text)!.bitPattern, text)
      let general = Array(text.utf8).withUnsafeBufferPointer { ByteNumbers.parseFloat($0.baseAddress!, $0.count) }
      XCTAssertEqual(r.weights.first?.bitPattern, general?.bitPattern, text)
    }
  }

  // MARK: Whole files against the general reader

  private static let ids = [
    "0", "7", "42", "16777215", "16777216", "007", "123456789", "u12", "", "\"12\"", "\"a,b\"", " 12", "ü", "1.5",
  ]
  private static let weights = [
    "4", "4.5", "0", "0.0", "05", ".5", "5.", "-1", "+2", "1e3", "nan", "inf", "0.00000000001", "16777217",
    "1234567890123456789", "x", "", "3.25", "\"4\"", "2.5 ",
  ]
  private static let stamps = [
    "978300760", "0", "-5", "+7", "978300760.0", "1e9", "12345678901234567890", "x", "", "1234567",
  ]

  /// A random file: mostly common lines, with every kind of odd line mixed
  /// in (odd ids, weights and timestamps, quotes, CRLF, blank lines, extra
  /// and missing fields, invalid UTF-8).
  private func randomFile(_ rng: inout SeededGenerator, lines: Int, sep: String) -> [UInt8] {
    func pick(_ xs: [String]) -> String { xs[Int(rng.next() % UInt64(xs.count))] }
    var bytes: [UInt8] = rng.next() % 2 == 0 ? Array("user\(sep)item\(sep)rating\(sep)time\n".utf8) : []
    for _ in 0..<lines {
      let odd = rng.next() % 6 == 0
      func field(_ odd: [String], _ common: String) -> String {
        odd.isEmpty || rng.next() % 2 == 0 ? common : pick(odd)
      }
      let user: String = field(odd ? Self.ids : [], String(rng.next() % 500))
      let item: String = field(odd ? Self.ids : [], String(rng.next() % 300))
      let weight: String = field(odd ? Self.weights : [], String(Double(rng.next() % 10) / 2))
      let stamp: String = field(odd ? Self.stamps : [], String(978_300_000 + rng.next() % 1000))
      var fields: [String] = [user, item, weight, stamp]
      if odd && rng.next() % 5 == 0 { fields.removeLast(Int(rng.next() % 3) + 1) }
      if odd && rng.next() % 5 == 0 { fields += ["extra", "\"q\(sep)x\""] }
      var line = Array(fields.joined(separator: sep).utf8)
      if odd && rng.next() % 7 == 0 { line = rng.next() % 2 == 0 ? [] : Array("  ".utf8) }
      if odd && rng.next() % 11 == 0 { line = Array("3\(sep)x".utf8) + [0xC3, 0x28] + Array("\(sep)3\(sep)1".utf8) }
      bytes += line + (rng.next() % 4 == 0 ? [13, 10] : [10])
    }
    if rng.next() % 2 == 0, bytes.last == 10 { bytes.removeLast() }  // no final newline
    return bytes
  }

  private func read(_ path: String, _ options: ReadOptions) -> Result<(Interactions, ReadReport), DataError> {
    do throws(DataError) { return .success(try InteractionReader.read(path, options: options)) } catch {
      return .failure(error)
    }
  }

  func testFilesReadAsTheGeneralReaderReadsThem() {
    let dir = TemporaryFolder(self)
    var rng = SeededGenerator(seed: 17)
    var fastLines = 0
    let before = DelimitedReader.statistics.withLock { $0.fastLines }
    for k in 0..<40 {
      let sep = [",", "\t", "|"][k % 3]
      let path = dir.file("f\(k).txt", bytes: randomFile(&rng, lines: 400 + Int(rng.next() % 400), sep: sep))
      var general = ReadOptions()
      general.skipBadLines = k % 4 != 3
      general.minRating = k % 5 == 1 ? 2.5 : nil
      general.weightMode = k % 7 == 2 ? .one : .value
      if k % 6 == 4 {  // item first, user second
        general.userColumn = .index(1)
        general.itemColumn = .index(0)
      }
      if k % 8 == 5 { general.timestampColumn = nil }
      if k % 6 == 1 { general.weightColumn = nil }  // field 3 unread, timestamp in field 4
      if k % 6 == 3 {  // item in field 3, weight in field 2
        general.itemColumn = .index(2)
        general.weightColumn = .index(1)
      }
      general.fastParsing = false
      general.parallelThreshold = .max
      let reference = read(path, general)
      for threads in [1, 3] {
        var o = general
        o.fastParsing = true
        o.parallelThreshold = threads == 1 ? .max : 0
        o.threads = threads
        let got = read(path, o)
        switch (reference, got) {
        case (.success(let a), .success(let b)):
          XCTAssertEqual(a.0, b.0, "file \(k), threads \(threads)")
          XCTAssertEqual(a.1, b.1, "file \(k), threads \(threads)")
          fastLines += a.1.lines
        case (.failure(let a), .failure(let b)):
          XCTAssertEqual("\(a)", "\(b)", "file \(k), threads \(threads)")
        default:
          XCTFail("file \(k), threads \(threads): general \(reference), fast \(got)")
        }
      }
    }
    XCTAssertGreaterThan(fastLines, 10_000)
    // The kernel took a good share of the lines of those reads (two fast
    // reads a file; the general path had the odd lines and, without
    // skipping, everything up to the first bad line).
    XCTAssertGreaterThan(DelimitedReader.statistics.withLock { $0.fastLines } - before, fastLines / 2)
  }

  /// A large clean file is read by the kernel (every line taken), in
  /// parallel chunks, into the same result as the general reader.
  func testCleanFileInParallelChunks() throws {
    let dir = TemporaryFolder(self)
    var text = "userId,movieId,rating,timestamp\n"
    var rng = SeededGenerator(seed: 3)
    for _ in 0..<20_000 {
      text += "\(rng.next() % 2000),\(rng.next() % 900),\(Double(rng.next() % 10 + 1) / 2),\(rng.next() % 2_000_000_000)\n"
    }
    let path = dir.file("clean.csv", bytes: Array(text.utf8))
    var general = ReadOptions()
    general.fastParsing = false
    general.parallelThreshold = .max
    let (a, ra) = try InteractionReader.read(path, options: general)
    let before = DelimitedReader.statistics.withLock { $0.fastLines }
    for threads in [1, 2, 5] {
      var o = ReadOptions()
      o.parallelThreshold = 0
      o.threads = threads
      let (b, rb) = try InteractionReader.read(path, options: o)
      XCTAssertEqual(a, b)
      XCTAssertEqual(ra, rb)
    }
    XCTAssertEqual(a.count, 20_000)
    // Every line of the three fast reads went through the kernel.
    XCTAssertEqual(DelimitedReader.statistics.withLock { $0.fastLines } - before, 3 * 20_000)
  }

  // MARK: Interning with the threads

  /// Decimal ids only, so the threads intern them (``DelimitedReader``'s
  /// `mergeInParallel`): blank, bad and below-minimum lines leave gaps
  /// between and inside chunks; ids recur across chunks.
  private func decimalFile(_ rng: inout SeededGenerator, lines: Int, userRange: UInt64, itemRange: UInt64) -> [UInt8] {
    var text = "1,1,1,0\n"  // the first line decides the columns: all four
    for k in 0..<lines {
      switch rng.next() % 40 {
      case 0: text += "\r\n"
      case 1: text += "\(k),oops\n"  // too few fields: skipped
      default:
        text += "\(rng.next() % userRange),\(rng.next() % itemRange),\(rng.next() % 6),\(k)\n"
      }
    }
    return Array(text.utf8)
  }

  func testThreadsInternAsOneThreadDoes() throws {
    let dir = TemporaryFolder(self)
    var rng = SeededGenerator(seed: 23)
    let merges = DelimitedReader.statistics.withLock { $0.parallelMerges }
    for (k, shape) in [(400, 300), (5, 3), (5000, 20), (16_000_000, 50)].enumerated() {
      let path = dir.file("d\(k).csv", bytes: decimalFile(&rng, lines: 3000, userRange: UInt64(shape.0), itemRange: UInt64(shape.1)))
      var serial = ReadOptions()
      serial.skipBadLines = true
      serial.minRating = k % 2 == 0 ? 2 : nil
      serial.parallelThreshold = 0
      serial.parallelInterning = false
      for threads in [2, 3, 7] {
        serial.threads = threads
        var parallel = serial
        parallel.parallelInterning = true
        let (a, ra) = try InteractionReader.read(path, options: serial)
        let (b, rb) = try InteractionReader.read(path, options: parallel)
        XCTAssertEqual(a, b, "file \(k), threads \(threads)")
        XCTAssertEqual(ra, rb, "file \(k), threads \(threads)")
        // Against fixed maps: ids outside them are dropped and counted.
        let users = IdMap(names: (0..<min(shape.0 / 2, 2000)).map { String($0 * 2) })
        let items = IdMap(names: (0..<max(shape.1 / 2, 1)).map { String($0) })
        let (c, rc) = try InteractionReader.read(path, options: serial, userIds: users, itemIds: items, addNewIds: false)
        let (d, rd) = try InteractionReader.read(path, options: parallel, userIds: users, itemIds: items, addNewIds: false)
        XCTAssertEqual(c, d, "file \(k), threads \(threads), fixed maps")
        XCTAssertEqual(rc, rd, "file \(k), threads \(threads), fixed maps")
        XCTAssertGreaterThan(rd.unknownIdsDropped, 0)
      }
      // Without skipping, the first bad line is the error either way.
      serial.skipBadLines = false
      var parallel = serial
      parallel.parallelInterning = true
      guard case .failure(let e) = read(path, parallel), case .failure(let f) = read(path, serial) else {
        XCTFail("file \(k): a bad line without skipping must throw")
        continue
      }
      XCTAssertEqual("\(e)", "\(f)")
    }
    // The three dense files took the parallel path in all 18 reads that
    // allowed it (3 thread counts x 2 maps); the sparse one fell back.
    XCTAssertEqual(DelimitedReader.statistics.withLock { $0.parallelMerges } - merges, 18)
  }

  func testNewlineCountMatchesANaiveCount() {
    var rng = SeededGenerator(seed: 29)
    for n in [0, 1, 15, 16, 17, 254, 255, 256, 511, 1000, 4099] {
      let bytes = (0..<n).map { _ in UInt8(rng.next() % 4 == 0 ? 10 : 48 + rng.next() % 40) }
      bytes.withUnsafeBufferPointer { b in
        guard let base = b.baseAddress else { return }
        for start in [0, 1, 7].filter({ $0 <= n }) {
          let naive = bytes[start...].filter { $0 == 10 }.count
          XCTAssertEqual(FieldSplitter.newlineCount(base, start, n), naive, "n \(n), start \(start)")
        }
      }
    }
    // All newlines: more than 255 in a block must not wrap the 8-bit counts.
    let all = [UInt8](repeating: 10, count: 1000)
    XCTAssertEqual(all.withUnsafeBufferPointer { FieldSplitter.newlineCount($0.baseAddress!, 0, 1000) }, 1000)
  }
}

