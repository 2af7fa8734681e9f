// The Tokenizers module: see DESIGN.md (Layout).
