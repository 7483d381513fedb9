// The reports product: SVG charts and the comparison of iALS with the
// two-tower variants (`gramian compare`, `gramian report`).
@_exported import Charts
@_exported import Comparison
