import Collectives
import InteractionData

/// Dense indices for ids read by several ranks, equal to those one process
/// would give reading the ranks' parts one after the other (rank 0's part
/// first): an id's index is its order of first appearance.
///
/// Each id is hashed to an owner rank (FNV-1a of its UTF-8 bytes). The owner
/// learns from every rank which of its ids that rank saw; the lowest rank
/// that saw an id introduces it; each rank numbers the ids it introduces in
/// its local first-seen order after those of the ranks before it (a prefix
/// sum); the owner relays the indices back. Four all-to-all exchanges; no
/// rank ever holds all ids, except rank 0 when it gathers the names for the
/// model file.
enum GlobalIds {
  struct Assignment {
    /// Global index of each local id (by local dense index).
    var global: [Int32]
    /// Total distinct ids over all ranks.
    var total: Int
    /// The ids this rank introduced, in global order (a consecutive run
    /// starting at ``firstIntroduced``).
    var introduced: [String]
    var firstIntroduced: Int
  }

  /// The owner of `name` among `ranks` ranks.
  static func owner(_ name: String, ranks: Int) -> Int {
    var h = TrainingSummary.idHash(name)
    h ^= h >> 33
    h = h &* 0xff51_afd7_ed55_8ccd
    h ^= h >> 33
    return Int(h % UInt64(ranks))
  }

  /// Assigns global indices to `names` (this rank's ids in local order).
  /// - Throws: ``CollectiveError`` from the exchanges, or `.tooLarge` when
  ///   the ids exceed the 2^31 - 1 rows an iALS side may have.
  static func assign(_ names: [String], comm: any Communicator) throws -> Assignment {
    let p = comm.size
    // 1. Send each id's bytes to its owner (length-prefixed), remembering
    //    which local ids went where, in order.
    var sentIndex = [[Int]](repeating: [], count: p)
    for (j, name) in names.enumerated() { sentIndex[owner(name, ranks: p)].append(j) }
    let received = try comm.exchange(sentIndex.map { encode($0.map { names[$0] }) })
    let fromRank = received.map(Self.decode)
    // 2. As owner: the lowest rank that sent an id introduces it.
    var winner: [String: Int] = [:]
    for q in 0..<p { for s in fromRank[q] where winner[s] == nil { winner[s] = q } }
    let flags = (0..<p).map { q in fromRank[q].map { winner[$0] == q ? UInt8(1) : 0 } }
    let myFlags = try comm.exchange(flags)
    // 3. Number the ids this rank introduces, after all lower ranks' ones.
    var introducesLocal = [Bool](repeating: false, count: names.count)
    for q in 0..<p { for (t, j) in sentIndex[q].enumerated() where myFlags[q][t] == 1 { introducesLocal[j] = true } }
    let mine = introducesLocal.reduce(0) { $0 + ($1 ? 1 : 0) }
    let (before, total) = try comm.exclusivePrefix(Int64(mine))
    guard total <= Int64(Int32.max) else {
      throw CollectiveError.tooLarge("\(total) distinct ids exceed the 2^31 - 1 rows of one side")
    }
    var global = [Int32](repeating: -1, count: names.count)
    var introduced: [String] = []
    introduced.reserveCapacity(mine)
    var next = Int32(before)
    for j in 0..<names.count where introducesLocal[j] {
      global[j] = next
      next += 1
      introduced.append(names[j])
    }
    // 4. Tell the owners the indices of the introduced ids; the owners
    //    answer every rank with the index of each id it sent.
    let told = (0..<p).map { q in sentIndex[q].map { global[$0] } }
    let heard = try comm.exchange(told)
    var index: [String: Int32] = [:]
    index.reserveCapacity(winner.count)
    for q in 0..<p { for (t, s) in fromRank[q].enumerated() where heard[q][t] >= 0 { index[s] = heard[q][t] } }
    let answers = (0..<p).map { q in fromRank[q].map { index[$0]! } }
    let back = try comm.exchange(answers)
    for q in 0..<p { for (t, j) in sentIndex[q].enumerated() { global[j] = back[q][t] } }
    return Assignment(global: global, total: Int(total), introduced: introduced, firstIntroduced: Int(before))
  }

  /// Length-prefixed UTF-8 strings back to strings.
  static func decode(_ bytes: [UInt8]) -> [String] {
    var out: [String] = []
    var at = 0
    while at + 4 <= bytes.count {
      let n = Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
      at += 4
      out.append(String(decoding: bytes[at..<at + n], as: UTF8.self))
      at += n
    }
    return out
  }

  /// Names to length-prefixed bytes (UInt32 little-endian length, UTF-8).
  static func encode(_ names: [String]) -> [UInt8] {
    var out: [UInt8] = []
    for name in names {
      let bytes = Array(name.utf8)
      withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
      out.append(contentsOf: bytes)
    }
    return out
  }
}
