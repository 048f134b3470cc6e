import ArgumentParser
import Foundation
import MCKDEngine

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the OpenCL platforms and devices with the names --device accepts.")

    @Flag(help: "Also list the GPU convolution tiles benchmark mode measured on each device.")
    var verbose = false

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
            if verbose { printMeasuredTiles(device) }
        }
    }

    /// The tile cache of benchmark mode (GPUConvolutionTileCache), one line per layer shape and pass.
    private func printMeasuredTiles(_ device: OpenCLDevice) {
        let url = GPUConvolutionTileCache.fileURL(in: GPUConvolutionTileCache.defaultDirectory(), for: device)
        guard let data = try? Data(contentsOf: url),
              let cache = try? JSONDecoder().decode(GPUConvolutionTileCache.self, from: data) else {
            print("    conv tiles:     none measured (\(url.path))")
            return
        }
        print("    conv tiles:     \(cache.tiles.count) measured (\(url.path), kernel source \(cache.sourceHash))")
        for (key, tile) in cache.tiles.sorted(by: { $0.key < $1.key }) { print("      \(tile)  \(key)") }
    }
}
