import ArgumentParser
import Decoder

/// `--weights f32|int8|q4|nf4` on the commands that run a decoder.
extension DecoderWeightFormat: ExpressibleByArgument {}
