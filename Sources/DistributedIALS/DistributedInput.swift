import Collectives
import Foundation
import InteractionData

/// Where a distributed fit's ranks read their part of the input.
public enum DistributedInput: Sendable, Equatable {
  /// One delimited text file; rank r of P reads the r-th of P byte ranges,
  /// cut at line starts (``InteractionReader/readPart(_:options:part:of:)``).
  case file(String)
  /// A folder of shard files (any format `InteractionReader` reads), taken
  /// in name order; each rank reads a consecutive run of whole shards,
  /// balanced by bytes. The ids come out as if the shards were one file.
  case shards(String)

  /// A folder is read as shards, anything else as one file.
  public init(path: String) {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
      self = .shards(path)
    } else {
      self = .file(path)
    }
  }

  /// The shard files of `folder`: regular, non-hidden files in name order.
  public static func shardFiles(_ folder: String) throws(DataError) -> [(path: String, bytes: Int)] {
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
      throw DataError(.unreadable, file: folder, "cannot list the shard folder (\(error.localizedDescription))",
                      hint: "give a readable folder of interaction files, or one file")
    }
    var out: [(String, Int)] = []
    for name in names.sorted() where !name.hasPrefix(".") && name != "MANIFEST.json" {
      let path = (folder as NSString).appendingPathComponent(name)
      guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular else { continue }
      out.append((path, (attributes[.size] as? NSNumber)?.intValue ?? 0))
    }
    guard !out.isEmpty else {
      throw DataError(.emptyFile, file: folder, "the shard folder holds no files",
                      hint: "put the interaction shards (e.g. part-00000.tsv ...) in the folder")
    }
    return out
  }

  /// The shards rank `rank` of `ranks` reads: consecutive, cut where the
  /// running byte count crosses rank/ranks of the total.
  public static func shardRange(sizes: [Int], rank: Int, ranks: Int) -> Range<Int> {
    let total = max(1, sizes.reduce(0, +))
    func cut(_ r: Int) -> Int {
      if r <= 0 { return 0 }
      if r >= ranks { return sizes.count }
      var running = 0
      for (j, s) in sizes.enumerated() {
        // A shard belongs to the rank in whose share its middle byte falls.
        if (running * 2 + s) * ranks >= total * r * 2 { return j }
        running += s
      }
      return sizes.count
    }
    return cut(rank)..<cut(rank + 1)
  }

  /// Reads this rank's part with fresh id maps (ids in local first-seen order).
  public func read(options: ReadOptions, rank: Int, ranks: Int) throws(DataError) -> (Interactions, ReadReport) {
    switch self {
    case .file(let path):
      return try InteractionReader.readPart(path, options: options, part: rank, of: ranks)
    case .shards(let folder):
      let files = try Self.shardFiles(folder)
      var users = IdMap(), items = IdMap()
      var all = Interactions(users: [], items: [], weights: [], timestamps: nil, userIds: users, itemIds: items)
      var report = ReadReport()
      for f in files[Self.shardRange(sizes: files.map(\.bytes), rank: rank, ranks: ranks)] {
        let (x, r) = try InteractionReader.read(f.path, options: options, userIds: users, itemIds: items, addNewIds: true)
        users = x.userIds
        items = x.itemIds
        all.users += x.users
        all.items += x.items
        all.weights += x.weights
        report.add(r)
      }
      all.userIds = users
      all.itemIds = items
      return (all, report)
    }
  }
}
