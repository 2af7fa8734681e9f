/// A built index answers the evaluator's searches directly (FAISS ids are the corpus document ids).
extension VectorIndex: VectorSearcher {}

extension VectorIndex {
    /// Checks that this index holds exactly `task`'s corpus — document id r is corpus row r and its question is the
    /// row's text — so an evaluation through the index scores the same task as exact search would.
    public func checkHolds(_ task: RetrievalTask) throws {
        let documents = try store.allDocuments().sorted { $0.id < $1.id }
        guard documents.count == task.corpus.count else {
            throw RetrievalError.invalid("index \(name) holds \(documents.count) documents; task \(task.name) has a corpus of \(task.corpus.count)")
        }
        for (row, document) in documents.enumerated() {
            guard document.id == Int64(row), document.question == task.corpus[row] else {
                throw RetrievalError.invalid("index \(name): document \(document.id) is not row \(row) of task \(task.name)'s corpus "
                                             + "(build the index from the task's corpus file, embedding the question)")
            }
        }
    }
}
