// Placeholder so the data-mri branch builds; the engine branch owns these tests. Drop at merge.
import XCTest
