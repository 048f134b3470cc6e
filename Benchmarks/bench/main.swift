// Placeholder until the benchmark lands: prints the device it would measure.
import MCKDEngine
print("bench: not implemented yet")
