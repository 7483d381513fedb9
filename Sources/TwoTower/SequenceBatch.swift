import LinearAlgebra

/// A batch of sequences for the attention tower, packed: sequence s holds
/// rows `offsets[s] ..< offsets[s + 1]` of every per-position array, with
/// no padding rows at all (attention runs per sequence, so a short history
/// costs its own length, not the window's).
///
/// Row r reads history item `inputs[r]` at window position `positions[r]`
/// (the last row of a sequence at `maxLength - 1`) and, in training, is
/// trained to predict `targets[r]`, the item after it.
struct SequenceBatch: Sendable {
  var offsets: [Int] = [0]
  var inputs: [Int32] = []
  var positions: [Int32] = []
  /// The next item per row (training), or empty (inference).
  var targets: [Int32] = []
  /// One sampled negative per row (the BCE loss), or empty.
  var negatives: [Int32] = []
  /// Extra uniformly sampled candidate items (mixed negatives), or empty.
  var extra: [Int32] = []

  var count: Int { offsets.count - 1 }
  var rows: Int { inputs.count }
  func length(_ s: Int) -> Int { offsets[s + 1] - offsets[s] }

  /// Appends one sequence of history items (oldest first; at most the
  /// window), at the window's last positions.
  mutating func append(_ items: ArraySlice<Int32>, maxLength: Int) {
    let n = items.count
    precondition(n <= maxLength)
    for (j, item) in items.enumerated() {
      inputs.append(item)
      positions.append(Int32(maxLength - n + j))
    }
    offsets.append(inputs.count)
  }
}

/// Dropout masks drawn from a counter-based hash of (seed, step, site,
/// element), so that the mask of an element does not depend on how rows
/// are split over threads, and the backward pass can keep the mask it
/// was given. A mask entry is `1 / (1 - p)` (kept) or 0.
struct DropoutMasks: Sendable {
  var rate: Float
  var seed: UInt64
  var step: UInt64

  var active: Bool { rate > 0 }

  /// SplitMix64's finaliser.
  @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A mask of `count` entries for `site` (a distinct number per dropout
  /// place and block), elements split over `threads` workers.
  func mask<T: TowerScalar>(site: UInt64, count: Int, threads: Int) -> [T] {
    var out = [T](repeating: 0, count: count)
    let keep = T(1 / (1 - Double(rate)))
    let threshold = UInt64(Double(rate) * 0x1.0p53)
    let base = Self.mix(seed ^ Self.mix(step &* 0x1000 &+ site))
    out.withUnsafeMutableBufferPointer { buf in
      let p = SendablePointer(buf.baseAddress!)
      Parallel.forChunks(count, threads: count >= 1 << 15 ? threads : 1) { range in
        for e in range { p.base[e] = (Self.mix(base &+ UInt64(e)) >> 11) < threshold ? 0 : keep }
      }
    }
    return out
  }
}
