// Everything that uses the builder also uses the basics (PlainSystem, OpenedFile, Syscall).
@_exported import VesselBasics
