import VesselCLI

VesselCommandLine.main()
