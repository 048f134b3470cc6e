/// What to do when a case is unusable (missing file, mismatched shapes, no labels
/// where labels are needed).
public enum BraTSIssuePolicy: Sendable {
    /// Throw an error naming the case.
    case fail
    /// Leave the case out and record a warning naming it.
    case skipWithWarning
}
