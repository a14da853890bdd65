"""Banks of known-counterfeit photo hashes: pure logic and file formats, no web code."""
