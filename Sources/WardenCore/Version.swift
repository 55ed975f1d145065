public enum WardenCoreVersion { public static let string = "0.1.0" }
