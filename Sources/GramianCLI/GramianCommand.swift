import ArgumentParser
import Gramian

@main
struct GramianCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gramian",
    abstract: "Implicit-feedback recommendation: iALS, two-tower models, retrieval and evaluation.",
    version: "0.1.0",
    subcommands: []
  )
}
