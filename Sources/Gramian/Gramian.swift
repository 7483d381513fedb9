// The umbrella module: `import Gramian` brings in every core library module.
// Reports (charts and the method comparison) are the separate
// `GramianReports` product.
@_exported import EASE
@_exported import Evaluation
@_exported import IALS
@_exported import InteractionData
@_exported import LinearAlgebra
@_exported import Recommenders
@_exported import Retrieval
@_exported import TwoTower
