"""Use cases over the store: one transaction each, events written in the same transaction."""
