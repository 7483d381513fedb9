import GramianTestSupport
import XCTest

@testable import InteractionData

/// The multi-threaded delimited path gives exactly the single-threaded
/// result: same events, same id order, same counts, same messages with
/// file line numbers.
final class ParallelReadTests: XCTestCase {
  func testChunkedParseMatchesSequential() throws {
    let dir = TemporaryFolder(self)
    var rng = SystemRandomNumberGenerator()
    var bytes: [UInt8] = Array("user,item,rating,timestamp\r\n".utf8)
    for k in 0..<3000 {
      let line: String
      switch k % 97 {
      case 13: line = "\(k),bad"  // too few fields
      case 29: line = ""  // blank
      case 41: line = "\(k),\(k % 50),nan,5"
      default:
        let user = Int.random(in: 0..<300, using: &rng)
        let item = k % 7 == 0 ? "s\(Int.random(in: 0..<40, using: &rng))" : String(Int.random(in: 0..<200, using: &rng))
        line = "\(user),\(item),\(Int.random(in: 1...10, using: &rng)) ,\(k)".replacingOccurrences(of: " ", with: "")
      }
      bytes += Array(line.utf8) + Array("\r\n".utf8)
      if k == 2500 { bytes += Array("7,x".utf8) + [0xC3, 0x28] + Array(",3,1\r\n".utf8) }  // invalid UTF-8
    }
    let path = dir.file("r.csv", bytes: bytes)
    var sequential = ReadOptions()
    sequential.skipBadLines = true
    sequential.parallelThreshold = .max
    var parallel = sequential
    parallel.parallelThreshold = 0
    let (a, ra) = try InteractionReader.read(path, options: sequential)
    for threads in [2, 3, 7] {
      parallel.threads = threads
      let (b, rb) = try InteractionReader.read(path, options: parallel)
      XCTAssertEqual(a, b, "threads \(threads)")
      XCTAssertEqual(ra, rb, "threads \(threads)")
    }
    XCTAssertEqual(ra.skippedBadLines, 31 + 31 + 1)
    XCTAssertTrue(ra.warnings[0].contains("r.csv:15:3:"), ra.warnings[0])
    // Without skipping, the first bad line of the file is reported.
    sequential.skipBadLines = false
    parallel.skipBadLines = false
    parallel.threads = 3
    XCTAssertThrowsError(try InteractionReader.read(path, options: parallel)) { e in
      XCTAssertEqual((e as? DataError)?.line, 15)
    }
  }
}
