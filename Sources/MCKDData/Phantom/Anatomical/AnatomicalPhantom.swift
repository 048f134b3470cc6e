import Foundation

/// One anatomical phantom case and the truth its images were built from.
public struct AnatomicalCase: Sendable {
    /// Id, labels, images (FLAIR, T1, T1ce, T2; white matter about 1, background 0), the
    /// dominant compartment per voxel, and the grid's affine: what gets written.
    public let phantom: PhantomCase
    /// Volume fraction per voxel of each compartment, indexed by `PhantomTissue.rawValue`.
    public let fractions: [[Float]]
    public let brainMask: [Bool]
    public let grid: BraTSGrid
    public let tumour: TumourGrowthParameters
    /// Simulated growth time and Euler steps.
    public let growthDays: Double
    public let growthSteps: Int
    /// Gadolinium in the rim, mmol/L.
    public let gadolinium: Double

    public init(phantom: PhantomCase, fractions: [[Float]], brainMask: [Bool], grid: BraTSGrid, tumour: TumourGrowthParameters,
                growthDays: Double, growthSteps: Int, gadolinium: Double) {
        self.phantom = phantom
        self.fractions = fractions
        self.brainMask = brainMask
        self.grid = grid
        self.tumour = tumour
        self.growthDays = growthDays
        self.growthSteps = growthSteps
        self.gadolinium = gadolinium
    }
}

/// Generates BraTS-like cases from real anatomy by simulating the scanner (docs/data.md):
/// the ICBM152 tissue maps deformed per case, a glioma grown in them, and the four
/// contrasts from their signal equations with 3 T relaxometry. SYNTHETIC data: the
/// anatomy is real, the tumours and the images are simulated.
public struct AnatomicalPhantomGenerator: Sendable {
    /// Bump when a change alters generated cases (it is part of the training cache's name).
    public static let version = 1
    /// Voxel spacing of `mckd train`'s default data: the BraTS field of view at 3 mm
    /// (80 x 80 x 52 voxels), about as many voxels as the procedural 64^3 phantom.
    public static let defaultSpacing = 3.0
    /// The tumour grows on the template downsampled by this factor (2 mm).
    static let growthDownsampling = 2

    /// Per-case tumour ranges (docs/data.md): diffusion in white matter (mm^2/day),
    /// proliferation (1/day), dense-core volume (cm^3, log-uniform) and the thickness of
    /// the enhancing rim where its front runs through white matter (mm), which sets the
    /// necrosis age: the 80% front moves at the Fisher speed 2 sqrt(D_w rho).
    static let whiteMatterDiffusion = 0.2...0.8
    static let proliferation = 0.012...0.03
    static let targetCoreVolume = 8.0...60.0
    static let rimThickness = 4.0...9.0
    /// Tumours start in white matter (fraction >= 0.7) above MNI z = -15 mm: supratentorial,
    /// where adult glioblastomas mostly arise.
    static let originWhiteMatter: Float = 0.7
    static let originLowestZ = -15.0

    public let template: TissueTemplate
    public let grid: BraTSGrid
    public let seed: UInt64
    /// False: the images without Rician noise (tests compare contrasts on them).
    public let noise: Bool
    public let scanProtocol: ScanProtocol
    let medium: GrowthMedium
    let origins: [SIMD3<Double>]

    public init(template: TissueTemplate, spacing: Double = defaultSpacing, seed: UInt64, noise: Bool = true,
                scanProtocol: ScanProtocol = .clinical3T) throws {
        self.template = template
        grid = try BraTSGrid(spacing: spacing)
        self.seed = seed
        self.noise = noise
        self.scanProtocol = scanProtocol
        medium = try GrowthMedium(template: template, factor: Self.growthDownsampling)
        let growthGrid = medium.grid
        var origins: [SIMD3<Double>] = []
        let (h, w) = (growthGrid.shape[1], growthGrid.shape[2])
        let a = growthGrid.affine
        for v in growthGrid.whiteMatter.indices where growthGrid.whiteMatter[v] >= Self.originWhiteMatter {
            let point = SIMD3(a[0][0] * Double(v % w) + a[0][3], a[1][1] * Double((v / w) % h) + a[1][3], a[2][2] * Double(v / (w * h)) + a[2][3])
            if point.z >= Self.originLowestZ { origins.append(point) }
        }
        guard !origins.isEmpty else {
            throw TissueTemplateError.mismatch(file: "<template>", "no white matter above z = \(Self.originLowestZ) mm to start a tumour in")
        }
        self.origins = origins
    }

    /// Identifier of case `index` (0-based).
    public static func caseID(index: Int) -> String { PhantomCase.numberedID("Anat", index: index) }

    /// Case `index`: the same template, seed, spacing, noise setting and index always give the same case.
    public func makeCase(index: Int) -> AnatomicalCase {
        var random = SplitMix64.derived(seed: seed, index: UInt64(index))
        let deformation = ElasticDeformation(generator: &random)
        let diffusion = random.uniform(Self.whiteMatterDiffusion), rho = random.uniform(Self.proliferation)
        let parameters = TumourGrowthParameters(
            whiteMatterDiffusion: diffusion, proliferation: rho,
            targetCoreVolume: exp(random.uniform(log(Self.targetCoreVolume.lowerBound)...log(Self.targetCoreVolume.upperBound))),
            necrosisAge: random.uniform(Self.rimThickness) / (2 * (diffusion * rho).squareRoot()),
            origin: origins[random.below(origins.count)])
        let tumour = TumourGrowth.grow(in: medium, parameters: parameters)
        let relaxometry = CaseRelaxometry(generator: &random)
        let anatomy = AnatomyRasteriser.rasterise(template: template, tumour: tumour, deformation: deformation, grid: grid)
        let images = MRAcquisition.acquire(anatomy, relaxometry: relaxometry, scanProtocol: scanProtocol, grid: grid,
                                           noise: noise, generator: &random)
        let dominant = (0..<grid.voxelCount).map { v -> UInt8 in
            guard anatomy.brainMask[v] else { return PhantomTissue.background.rawValue }
            return PhantomTissue.allCases.dropFirst().max { anatomy.fractions[Int($0.rawValue)][v] < anatomy.fractions[Int($1.rawValue)][v] }!.rawValue
        }
        let phantom = PhantomCase(id: Self.caseID(index: index), shape: grid.shape, tissue: dominant, labels: anatomy.labels,
                                  modalities: images, affine: grid.affine)
        return AnatomicalCase(phantom: phantom, fractions: anatomy.fractions, brainMask: anatomy.brainMask, grid: grid,
                              tumour: parameters, growthDays: tumour.days, growthSteps: tumour.steps, gadolinium: relaxometry.gadolinium)
    }
}
