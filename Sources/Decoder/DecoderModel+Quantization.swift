import ModelFormats
import Tensor

extension DecoderModel {
    /// This Float32 model with its weights kept as `format` (a new model; this one is unchanged). Loading with
    /// `load(path:weights:)` gives the same result without holding the Float32 model first.
    public func converted(to format: DecoderWeightFormat) throws -> DecoderModel {
        precondition(weightFormat == .f32, "converting needs the Float32 weights")
        let parameters = Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.0, $0.1.value) })
        let source = DecoderWeightSource { name, shape, rows, destination in
            guard let tensor = parameters[name] else {
                throw ModelLoadingError.weightMismatch(path: "(model)", tensor: name, reason: "missing")
            }
            guard tensor.shape == shape else {
                throw ModelLoadingError.weightMismatch(path: "(model)", tensor: name, reason: "shape \(tensor.shape), expected \(shape)")
            }
            let rowLength = shape.dropFirst().reduce(1, *)
            destination.update(from: tensor.data + rows.lowerBound * rowLength, count: rows.count * rowLength)
        }
        return try withExtendedLifetime(parameters) { try DecoderModel(config: config, weights: format == .auto ? .f32 : format, source: source) }
    }
}
