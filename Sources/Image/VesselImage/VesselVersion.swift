public enum VesselVersion {
    public static let current = "0.1.0"
}
