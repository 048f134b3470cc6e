public enum MCKDData {}
