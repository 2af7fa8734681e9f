// The Tensor module: see DESIGN.md (Layout).
