import Tensor

/// A trainable (or frozen) weight. Frozen parameters carry no gradient buffer at all, so a frozen 30k×384 embedding
/// table costs nothing extra during fine-tuning.
public final class Parameter {
    public let value: Tensor
    public private(set) var grad: Tensor?

    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        if requiresGrad { grad = Tensor(zeros: value.shape) }
    }

    public var requiresGrad: Bool {
        get { grad != nil }
        set {
            if newValue, grad == nil { grad = Tensor(zeros: value.shape) }
            if !newValue { grad = nil }
        }
    }

    public func zeroGrad() { grad?.zero() }
}
