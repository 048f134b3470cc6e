// Placeholder so the data-mri branch builds; the engine branch owns the benchmark. Drop at merge.
print("bench: placeholder in the data-mri branch")
