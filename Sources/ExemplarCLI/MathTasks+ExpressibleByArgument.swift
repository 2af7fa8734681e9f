import ArgumentParser
import MathTasks

/// The shot selections and prompt formats as command-line values (their raw values: fixed, random, retrieved; chat,
/// plain, auto).
extension ShotSelection: ExpressibleByArgument {}
extension PromptFormat: ExpressibleByArgument {}
