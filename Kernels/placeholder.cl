// Placeholder so the kernel-embedding plugin finds a Kernels folder in the data-mri branch; drop at merge.
