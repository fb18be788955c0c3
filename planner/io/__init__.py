"""Everything that touches disk, network or environment: settings, files, loaders, catalog, inputs, tokens."""
