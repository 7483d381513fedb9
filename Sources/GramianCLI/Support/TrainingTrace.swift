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

  /// Writes everything as one ``OutputFolder`` at `path` (staged in a
  /// temporary sibling, then published with a manifest in one step).
  func finish() throws {
    try Paths.createParent(of: path)
    let folder = try OutputFolder(path: path)
    for p in parameters {
      try NPY.write(Matrix(rows: p.rows, columns: p.columns, storage: p.values), to: folder.stagedPath("\(p.name).npy"))
    }
    try folder.write(NPY.encode(int32: users, rows: users.count, columns: 1), as: "users.npy")
    try folder.write(NPY.encode(int32: items, rows: items.count, columns: 1), as: "items.npy")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try folder.write(try encoder.encode(manifest), as: "trace.json")
    try folder.commit(command: Paths.commandLine)
  }
}
