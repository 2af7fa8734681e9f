import Foundation

/// Warm-up then linear or cosine decay, as transformers' `get_linear_schedule_with_warmup` /
/// `get_cosine_schedule_with_warmup`: the factor at optimiser step s (0-based, so the first update uses s = 0 and,
/// with warm-up, a learning rate of 0 — the same as the Hugging Face Trainer).
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public enum Decay: String, Codable, Sendable { case linear, cosine, constant }

    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var decay: Decay

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, decay: Decay = .linear) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.decay = decay
    }

    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step) / Float(max(1, warmupSteps)) }
        let progress = Float(step - warmupSteps) / Float(max(1, totalSteps - warmupSteps))
        switch decay {
        case .constant: return peak
        case .linear: return peak * max(0, 1 - progress)
        case .cosine: return peak * max(0, 0.5 * (1 + cos(Float.pi * progress)))
        }
    }
}
