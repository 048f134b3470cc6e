// Placeholder: the engine branch provides the real benchmark; dropped at merge.
print("bench placeholder")
