/// One image+audio pair and where its parts came from.
public struct AVMNISTSample: Equatable, Sendable {
    /// The digit (both modalities show the same one).
    public var label: Int
    /// Index of the image in the cache's MNIST block.
    public var imageIndex: Int
    /// Index of the clip in the cache's clip list (before augmentation).
    public var clipIndex: Int
    /// Whether the clip is a human recording.
    public var audioOrigin: AudioOrigin
    /// The clip's source name (voice or speaker).
    public var audioSource: String
    /// False when the visual-rate mask drops this sample's image.
    public var imagePresent: Bool
    /// False when the audio-rate mask drops this sample's audio.
    public var audioPresent: Bool
}
