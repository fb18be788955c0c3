"""The pure model core: no file, network, terminal or environment access; deterministic for a seed."""
