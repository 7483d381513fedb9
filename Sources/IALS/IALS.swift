// Implicit alternating least squares (iALS). See ImplicitALS.swift.
