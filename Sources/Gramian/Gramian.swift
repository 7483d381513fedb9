// The umbrella module: `import Gramian` brings in every library module.
@_exported import Charts
@_exported import Comparison
@_exported import Evaluation
@_exported import IALS
@_exported import InteractionData
@_exported import LinearAlgebra
@_exported import Retrieval
@_exported import TwoTower
