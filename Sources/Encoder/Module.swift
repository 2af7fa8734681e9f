// The Encoder module: see DESIGN.md (Layout).
