import MathTasks
import Retrieval

/// `exemplar mine-pairs`' run config (configs/pairs-gsm8k.yaml); keys are the YAML names. The `skeletons:`,
/// `variants:` and `hard_negatives:` sections are the miners' own settings types.
struct PairMiningConfig: RunConfig, Equatable {
    /// Outputs go to `output_dir/name/`.
    var name = "pairs-gsm8k"
    var outputDir = "runs"
    /// GSM8K train in its JSON Lines layout (`question`, `answer` ending in `#### N`). Never the test set.
    var train = "data/gsm8k/train.jsonl"
    /// The base encoder for hard negatives.
    var model = "models/all-MiniLM-L6-v2"
    var seed: UInt64 = 1234
    var holdout = Holdout()
    var skeletons = PairMiner.SkeletonSettings()
    var variants = VariantGenerator.Settings()
    var hardNegatives = PairMiner.HardNegativeSettings()

    /// The problems no miner may use, kept for a dev set: `GSM8KTrainSplit`'s seeded holdout, by default the same
    /// 500 problems train-encoder holds out of question → solution training and gsm8k-train-holdout evaluates on.
    struct Holdout: Codable, Equatable {
        var size = GSM8KTrainSplit.holdoutSize
        var seed = GSM8KTrainSplit.seed
    }

    enum CodingKeys: String, CodingKey {
        case name, outputDir = "output_dir", train, model, seed, holdout, skeletons, variants
        case hardNegatives = "hard_negatives"
    }

    /// The miner these settings describe, checked.
    func miner() throws -> PairMiner {
        guard !name.isEmpty else { throw RunConfigError(description: "name is required") }
        guard holdout.size >= 0 else { throw RunConfigError(description: "holdout.size must not be negative") }
        let lowered = train.lowercased()
        let file = lowered.split(separator: "/").last.map(String.init) ?? lowered
        guard !file.hasPrefix("test"), !lowered.contains("gsm-symbolic") else {
            throw RunConfigError(description: "train \(train): pairs are mined from GSM8K train only, never the test set or GSM-Symbolic")
        }
        let miner = PairMiner(seed: seed, skeletons: skeletons, variants: variants, hardNegatives: hardNegatives)
        do { try miner.validate() } catch let error as PairMiningError { throw RunConfigError(description: error.description) }
        return miner
    }
}
