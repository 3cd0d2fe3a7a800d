"""Relation tuples: the model, its JSON / query / string encodings."""
