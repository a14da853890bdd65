"""The genuine catalog: products with their list prices and their genuine photos."""
