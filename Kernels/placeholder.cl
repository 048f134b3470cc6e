// placeholder: the engine branch provides the real kernels
