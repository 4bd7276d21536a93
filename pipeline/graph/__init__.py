"""The Beam graph: the batch and streaming faces and the one PTransform per stage."""
