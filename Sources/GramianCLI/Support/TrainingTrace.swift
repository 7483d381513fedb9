import Foundation
import InteractionData
import LinearAlgebra
import TwoTower

/// `fit two-tower --trace DIR`: the initial parameters, every step's batch
/// and loss, so the same training (same start, same batches) can be replayed
/// in another library and the two compared without seed noise
/// (`Benchmarks/twotower/replay.py` does it in TFRS).
///
/// Layout of DIR:
/// - `<name>.npy`: each initial parameter (``TwoTowerParameter``), float32;
/// - `users.npy`, `items.npy`: int32 `examples x 1`, the batches' positive
///   pairs (training-matrix row indices) one step after the other;
/// - `trace.json`: users, items, the config, and per step its epoch,
///   rows and loss (sum over the batch's examples, before the update).
///
/// The directory is written under a temporary name and renamed when
/// complete; an existing DIR is replaced only if it holds a `trace.json`.
final class TrainingTrace {
  struct Manifest: Codable {
    var users: Int
    var items: Int
    var config: TwoTowerConfig
    var parameters: [ParameterShape]
    var stepEpochs: [Int] = []
    var stepRows: [Int] = []
    var stepLosses: [Double] = []
    enum CodingKeys: String, CodingKey {
      case users, items, config, parameters, stepEpochs = "step_epochs", stepRows = "step_rows", stepLosses = "step_losses"
    }
  }
  struct ParameterShape: Codable { var name: String; var rows: Int; var columns: Int }

  let path: String
  private var manifest: Manifest
  private var parameters: [TwoTowerParameter] = []
  private var users: [Int32] = []
  private var items: [Int32] = []

  /// Checks that `path` can be (re)placed before training starts.
  init(path: String, users: Int, items: Int, config: TwoTowerConfig) throws {
    self.path = path
    manifest = Manifest(users: users, items: items, config: config, parameters: [])
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
      guard isDir.boolValue, FileManager.default.fileExists(atPath: path + "/trace.json") else {
        throw DataError(.unwritable, file: path, "exists and is not a trace directory (no trace.json); not replaced",
                        hint: "pass a new directory to --trace")
      }
    }
  }

  func start(_ initial: [TwoTowerParameter]) {
    parameters = initial
    manifest.parameters = initial.map { ParameterShape(name: $0.name, rows: $0.rows, columns: $0.columns) }
  }

  func record(_ step: TwoTowerStep) {
    users.append(contentsOf: step.users)
    items.append(contentsOf: step.items)
    manifest.stepEpochs.append(step.epoch)
    manifest.stepRows.append(step.users.count)
    manifest.stepLosses.append(step.loss)
  }

  /// Writes everything to a sibling temporary directory, then renames it to `path`.
  func finish() throws {
    let fm = FileManager.default
    let temp = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
    try? fm.removeItem(atPath: temp)
    do {
      try fm.createDirectory(atPath: temp, withIntermediateDirectories: true)
      for p in parameters {
        try NPY.write(Matrix(rows: p.rows, columns: p.columns, storage: p.values), to: "\(temp)/\(p.name).npy")
      }
      try NPY.encode(int32: users, rows: users.count, columns: 1).write(to: URL(fileURLWithPath: temp + "/users.npy"))
      try NPY.encode(int32: items, rows: items.count, columns: 1).write(to: URL(fileURLWithPath: temp + "/items.npy"))
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      try encoder.encode(manifest).write(to: URL(fileURLWithPath: temp + "/trace.json"))
      if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
      try fm.moveItem(atPath: temp, toPath: path)
    } catch {
      try? fm.removeItem(atPath: temp)
      throw DataError(.unwritable, file: path, "cannot write the trace (\(error.localizedDescription))")
    }
  }
}
