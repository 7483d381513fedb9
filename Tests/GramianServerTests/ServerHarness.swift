import AsyncHTTPClient
import Foundation
import Gramian
import GramianServer
import GramianTestSupport
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import XCTest

/// Models fitted once for every server test: iALS (d = 16) and a two-tower
/// model on the bundled MovieLens ratings (>= 4 stars), saved to a folder.
enum ServerFixture {
  struct Files: Sendable {
    let folder: String
    let ials: String
    let ialsIndex: String
    let twoTower: String
    let otherIALS: String
  }

  static let files: Files = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-server-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var options = ReadOptions()
    options.minRating = 4
    options.weightMode = .one
    let path = SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path
    let data = try! InteractionDataset.load(path, options: options)
    var c = IALSConfig()
    c.factors = 16; c.epochs = 4; c.regularization = 0.05; c.unobservedWeight = 0.1; c.threads = 2
    let ials = try! IALSModel.fit(data.train, userIds: data.userIds, itemIds: data.itemIds, config: c)
    let files = Files(folder: folder, ials: folder + "/ials.gramian", ialsIndex: folder + "/ials.hnsw",
                      twoTower: folder + "/two-tower.gramian", otherIALS: folder + "/other.gramian")
    try! ials.save(to: files.ials)
    var hc = HNSWIndex.Configuration()
    hc.efConstruction = 200
    try! HNSWIndex(model: ials, configuration: hc).write(to: files.ialsIndex)
    c.seed = 7
    try! IALSModel.fit(data.train, userIds: data.userIds, itemIds: data.itemIds, config: c).save(to: files.otherIALS)
    var t = TwoTowerConfig.recommended
    t.embeddingDim = 8; t.epochs = 1; t.threads = 2
    try! TwoTowerModel.fit(TwoTowerData(train: data.train), userIds: data.userIds, itemIds: data.itemIds, config: t)
      .save(to: files.twoTower)
    return files
  }()
}

/// A server started in this process on an ephemeral loopback port, and a
/// real HTTP client (async-http-client) talking to it.
final class ServerHarness: @unchecked Sendable {
  let server: GramianServer
  let port: Int
  let task: Task<Void, any Error>
  let client = HTTPClient(eventLoopGroupProvider: .singleton)
  let spec: OpenAPISpec

  static func start(_ configure: (inout ServerConfiguration) -> Void = { _ in }, model: String = ServerFixture.files.ials,
                    state: String? = nil) async throws -> ServerHarness {
    var c = ServerConfiguration(modelPath: model)
    c.port = 0
    c.stateDirectory = state ?? FileManager.default.temporaryDirectory.appendingPathComponent("gramian-state-\(UUID().uuidString)").path
    configure(&c)
    var logger = Logger(label: "gramian.test")
    logger.logLevel = .error
    let server = try GramianServer(configuration: c, logger: logger)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = server.application(onRunning: { continuation.yield($0) })
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    let task = Task { try await group.run() }
    var port = 0
    for await p in ports { port = p; break }
    return ServerHarness(server: server, port: port, task: task, group: group, spec: try OpenAPISpec())
  }

  let group: ServiceGroup

  private init(server: GramianServer, port: Int, task: Task<Void, any Error>, group: ServiceGroup, spec: OpenAPISpec) {
    self.server = server
    self.port = port
    self.task = task
    self.group = group
    self.spec = spec
  }

  /// Graceful shutdown (as on SIGTERM), then the client.
  func stop() async {
    await group.triggerGracefulShutdown()
    _ = try? await task.value
    try? await client.shutdown()
  }

  struct Reply {
    var status: Int
    var headers: HTTPHeaders
    var text: String
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
  }

  /// One request; `specPath` (as written in openapi.yaml) checks the JSON
  /// reply against the documented schema of its status.
  func send(_ method: HTTPMethod, _ path: String, body: String? = nil, specPath: String? = nil,
            file: StaticString = #filePath, line: UInt = #line) async throws -> Reply {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = method
    if let body {
      request.headers.add(name: "content-type", value: "application/json")
      request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await client.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 64 << 20)
    let reply = Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    if let specPath, !specPath.isEmpty {
      let schema = try spec.responseSchema(method.rawValue, specPath, reply.status)
      let problems = try spec.violations(reply.json as Any, schema)
      XCTAssertEqual(problems, [], "\(method.rawValue) \(path) -> \(reply.status) \(reply.text)", file: file, line: line)
    }
    return reply
  }

  func post(_ path: String, _ body: String, specPath: String? = nil, file: StaticString = #filePath, line: UInt = #line) async throws -> Reply {
    try await send(.POST, path, body: body, specPath: specPath ?? Self.specPath(path), file: file, line: line)
  }

  /// The openapi.yaml path of a request path (`/v1/users/7/events` -> `/v1/users/{id}/events`).
  static func specPath(_ path: String) -> String {
    let bare = path.split(separator: "?").first.map(String.init) ?? path
    let parts = bare.split(separator: "/")
    if parts.count >= 3, parts[0] == "v1", parts[1] == "users" {
      return "/v1/users/{id}" + (parts.count == 4 ? "/\(parts[3])" : "")
    }
    return bare
  }
}

/// `[(item, score)]` of a reply's `items`.
func items(_ reply: ServerHarness.Reply) -> [(item: String, score: Float)] {
  (reply.object["items"] as? [[String: Any]] ?? []).map {
    ($0["item"] as? String ?? "", Float(($0["score"] as? NSNumber)?.doubleValue ?? .nan))
  }
}

func jsonString(_ value: Any) -> String {
  String(decoding: try! JSONSerialization.data(withJSONObject: value), as: UTF8.self)
}

/// Runs `body` against a started server and stops it, whatever happens.
func withServer(_ configure: (inout ServerConfiguration) -> Void = { _ in }, model: String = ServerFixture.files.ials,
                state: String? = nil, _ body: (ServerHarness) async throws -> Void) async throws {
  let h = try await ServerHarness.start(configure, model: model, state: state)
  do {
    try await body(h)
  } catch {
    await h.stop()
    throw error
  }
  await h.stop()
}
