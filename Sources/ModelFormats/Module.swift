// The ModelFormats module: see DESIGN.md (Layout).
