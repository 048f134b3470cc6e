import ArgumentParser
import MCKDEngine

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the OpenCL platforms and devices with the names --device accepts.")

    func run() throws {
        print("cpu: the CPU reference backend (plain Swift, all cores)")
        let devices: [OpenCLDevice]
        do {
            devices = try OpenCLDevice.all()
        } catch let error as EngineError {
            print("no OpenCL devices: \(error)")
            return
        }
        for device in devices {
            print("\(device.handle): \(device.name)")
            print("    platform:       \(device.platformName)")
            print("    type:           \(device.kind)")
            print("    compute units:  \(device.computeUnits)")
            print("    global memory:  \(formatBytes(device.globalMemoryBytes)) (max allocation \(formatBytes(device.maxAllocationBytes)))")
            print("    local memory:   \(formatBytes(device.localMemoryBytes))")
            print("    OpenCL:         \(device.openCLVersion); \(device.openCLCVersion); driver \(device.driverVersion)")
            do {
                print("    kernels:        \(try DeviceProfile(device: device))")
            } catch {
                print("    kernels:        \(error)")
            }
        }
    }
}
