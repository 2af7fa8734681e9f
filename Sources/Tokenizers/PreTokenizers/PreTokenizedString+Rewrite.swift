extension PreTokenizedString {
    /// Rewrites the text of every piece that is not an added token (`body` appends the new scalars, each with the
    /// original range it stands for); added-token pieces are copied. Pre-tokenizers that change the text itself
    /// (ByteLevel's byte mapping and prefix space) need this; splitting only needs `split`.
    mutating func rewritePieces(_ body: (_ scalars: ArraySlice<Unicode.Scalar>, _ alignments: ArraySlice<Range<Int>>,
                                         _ outScalars: inout [Unicode.Scalar], _ outAlignments: inout [Range<Int>]) -> Void) {
        var newScalars: [Unicode.Scalar] = []
        var newAlignments: [Range<Int>] = []
        newScalars.reserveCapacity(text.count + text.count / 4 + 8)
        newAlignments.reserveCapacity(newScalars.capacity)
        for k in pieces.indices {
            let range = pieces[k].range
            let start = newScalars.count
            if pieces[k].addedTokenId != nil {
                newScalars.append(contentsOf: text.scalars[range])
                newAlignments.append(contentsOf: text.alignments[range])
            } else {
                body(text.scalars[range], text.alignments[range], &newScalars, &newAlignments)
            }
            pieces[k].range = start..<newScalars.count
        }
        text = NormalizedString(scalars: newScalars, alignments: newAlignments)
    }
}
