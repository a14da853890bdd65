"""Caption corpus: synthetic + packaged-real builder, evasion variants, and loaders."""
